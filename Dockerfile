# Residency FAQ bot. Build:  docker build -t residency-bot .
# Run:
#   docker run -d --name residency-bot -e DISCORD_TOKEN \
#     -v "$PWD/data:/app/data" -v "$PWD/config:/app/config" -v residency-var:/app/var \
#     residency-bot
# The token comes only from the environment (never baked into the image).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system bot && useradd --system --gid bot --home-dir /app --shell /usr/sbin/nologin bot

WORKDIR /app

# Install the package first so code-only changes reuse the dependency layer as far as possible.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . && rm -rf build *.egg-info

# Defaults, shadowed by the mounted volumes (config/bot.yaml -> faq_path data/faqs.yaml,
# question log and command hash under var/, all relative to /app).
COPY data ./data
COPY config ./config
RUN mkdir -p /app/var && chown -R bot:bot /app/var

USER bot

VOLUME ["/app/data", "/app/config", "/app/var"]

# Logs go to stderr; use `--log-level` or BOT_LOG_LEVEL to change verbosity.
CMD ["python", "-m", "bot", "run"]

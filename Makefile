# Two commands matter: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NATIVE := $(VENV)/.native
CORE := bot/words.py bot/normalise.py bot/classifier.py bot/matching.py  # = CORE in bot/native.py

.PHONY: run test lint typecheck unit eval bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; run 'make PYTHON=python3 ...'"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The answering core compiled with mypyc into .venv/native (bot/native.py) where this machine
# has a C compiler; otherwise it runs as Python, with the same answers, and this says so.
$(NATIVE): $(STAMP) $(CORE) bot/native.py
	@echo "core: compiling it with mypyc if this machine has a C compiler (about 20 s, once)"
	@$(BIN)/python -c 'import bot.native; print(bot.native.build())'
	touch $(NATIVE)

## run: start the bot (terminal chat when DISCORD_TOKEN is unset, from env or .env)
run: $(STAMP) $(NATIVE)
	$(BIN)/python -m bot start

## test: ruff, mypy, pytest and the FAQ regression check
test: lint typecheck unit eval

lint: $(STAMP)
	$(BIN)/ruff check bot tests bench

typecheck: $(STAMP)
	$(BIN)/mypy bot

unit: $(STAMP) $(NATIVE)
	$(BIN)/python -m pytest -q
	RESIDENCY_BOT_PURE=1 $(BIN)/python -m pytest -q tests/test_matching.py tests/test_classifier.py tests/test_normalise.py

eval: $(STAMP) $(NATIVE)
	$(BIN)/python -m bot validate data/faqs.yaml
	$(BIN)/python -m bot eval tests/questions.yaml --min-accuracy 0.90 --max-wrong 0.02

## bench: speed and quality benchmarks (figures go to BENCHMARKS.md by hand)
bench: $(STAMP) $(NATIVE)
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/clinc150.py
	$(BIN)/python bench/crossfit.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

"""FAQ bot for the Hugging Face AI Research Residency: the core has no Discord import."""

from bot import native as _native

_native.enable(__path__)  # the core compiled, when a build of these very sources exists

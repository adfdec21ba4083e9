"""FAQ bot for the Hugging Face AI Research Residency: the core has no Discord import."""

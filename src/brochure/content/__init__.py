"""Stage 1, content: the facts about cities as validated models (strict YAML, catalog)."""

"""Stage 2, look: brand kits, templates, the template context and pictures (charts, maps, QR)."""

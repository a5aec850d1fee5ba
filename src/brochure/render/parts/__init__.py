"""Long packs: planned in parts, each part laid out by the adapter, stitched into one PDF."""

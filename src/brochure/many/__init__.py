"""Many packs: manifests, batches over worker processes, progress."""

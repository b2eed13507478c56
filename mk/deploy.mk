# Deploy, lint and build targets.

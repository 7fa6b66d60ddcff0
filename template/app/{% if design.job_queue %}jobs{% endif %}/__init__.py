"""Background jobs: one module per resource that has `jobs:`, yours once written."""

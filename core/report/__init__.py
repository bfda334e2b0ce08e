"""The report: assembled once from the pipeline's context, rendered by every output format."""

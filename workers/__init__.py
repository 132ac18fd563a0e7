"""arq jobs that run the pipeline steps in order: redact → store → detect → aggregate."""

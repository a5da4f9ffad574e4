"""``pdfpipe eval``: score pipeline outputs against ground truth beside the PDFs.  Pure scoring
functions per ground-truth format, plus a runner that finds the files and runs the pipeline."""

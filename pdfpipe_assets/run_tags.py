"""Tags pdfpipe puts on Dagster runs, shared by the Dagster layer and the warm run launcher."""

PID_TAG = "pdfpipe/pid"  # the process executing the run: a CLI process, or a forked run process
LAUNCHER_TAG = "pdfpipe/launcher"  # runs forked by pdfpipe's warm run launcher
SOURCE_TAG = "pdfpipe/source"  # who started the run: cli, inbox, followup

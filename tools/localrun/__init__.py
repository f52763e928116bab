"""`make run` as a newcomer meets it: the platform's processes with a log file each and a fast
stop (`processes.py`), and the banner kept above a live view of the platform (`view.py`)."""

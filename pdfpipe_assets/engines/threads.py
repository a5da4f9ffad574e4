"""Cap the threads every native engine may start, so runnable threads never exceed cores.

OpenMP (Tesseract), BLAS and numexpr read environment variables when they load.
onnxruntime (PyMuPDF's layout and table models, RapidOCR) reads none: it sizes its pool
to the machine's cores.  So sessions created without explicit thread settings get
``threads`` intra-op threads and one inter-op thread.
"""

from __future__ import annotations

import os

ENV_VARS = (
    "OMP_THREAD_LIMIT",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "PDFPIPE_ENGINE_THREADS",
)
_PATCHED = "_pdfpipe_thread_cap"


def cap_threads(threads: int, in_process_engines: bool = True) -> None:
    """Set the caps for this process and the processes it starts (explicit settings win);
    ``in_process_engines=False`` for a command that loads no engine itself, which then skips
    importing onnxruntime to cap its sessions (0.3 s of `pdfpipe status` on 2 cores)."""
    for var in ENV_VARS:
        os.environ.setdefault(var, str(threads))
    if in_process_engines:
        _cap_onnxruntime(int(os.environ["PDFPIPE_ENGINE_THREADS"]))


def _cap_onnxruntime(threads: int) -> None:
    try:
        import onnxruntime as ort
    except ImportError:
        return
    session = ort.InferenceSession
    if getattr(session, _PATCHED, None) is not None:
        setattr(session, _PATCHED, threads)
        return
    original = session.__init__

    def __init__(self, path_or_bytes, sess_options=None, providers=None, provider_options=None, **kwargs):
        options = sess_options if sess_options is not None else ort.SessionOptions()
        cap = getattr(type(self), _PATCHED)
        if options.intra_op_num_threads == 0:
            options.intra_op_num_threads = cap
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if options.inter_op_num_threads == 0:
            options.inter_op_num_threads = 1
        original(self, path_or_bytes, options, providers, provider_options, **kwargs)

    session.__init__ = __init__
    setattr(session, _PATCHED, threads)

"""Friendly errors: a user never sees a raw traceback, but can open the details."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from core.report.text import printable


@contextmanager
def friendly_errors(what: str = "this page") -> Iterator[None]:
    try:
        yield
    except MemoryError:  # the machine's memory, not a bug: no details to report (docs/deploy.md)
        st.error(
            f"MES Doctor ran out of memory while preparing {what}: this input is too large for this server. "
            "Split it, or ask the operator to analyse in worker processes with a memory cap "
            "(MESDOCTOR_ANALYSIS_WORKERS, docs/deploy.md \"Memory and time limits\").",
            icon="🩺",
        )
    except Exception as exc:  # st.rerun/st.stop raise BaseException subclasses, which pass through
        st.error(
            f"MES Doctor could not render {what}. Your data was not changed. "
            "Try another input or reset the options on the Sources page; if it persists, report it with the "
            "details below (they contain no Secret data).",
            icon="🩺",
        )
        with st.expander("Details"):
            frames = traceback.extract_tb(exc.__traceback__)
            where = "\n".join(f"  {f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in frames[-8:])
            st.code(printable(f"{type(exc).__name__}: {str(exc)[:500]}\n{where}"), language=None)

"""Diagnostic checks: one small pure function per check, in one explicit, sorted registry."""

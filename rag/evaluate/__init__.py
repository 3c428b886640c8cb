"""Measuring answers: gold questions, the judges (embedding or LLM), citation and
answer metrics, the evaluation run (``rag eval``) and its typed report.

Owns: metrics and reports. Must not: change how questions are answered; it asks the
``Pipeline`` like any user.
"""

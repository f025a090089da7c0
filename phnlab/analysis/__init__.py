"""The book's analyses, one module per question: tables, figures and verdicts from stored results."""

"""Publication: disclosure control, tables, figures, audit cards and the report's pages.

Reads estimates and other aggregates only, never respondent rows (see ARCHITECTURE).
"""

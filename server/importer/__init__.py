"""Import the team's Excel/CSV ledgers and export them back.

``service.run_import`` reads a file, checks every row and writes the
result in one short transaction; ``export.export_ledger`` writes a ledger
as .xlsx. The ``genzong import``/``export`` commands (``commands``) and
the API (``server.routes.ledgers``) both call them.
"""

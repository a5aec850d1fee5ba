"""Stage 3, render: HTML to PDF through one WeasyPrint adapter, then preflight, booklet, output."""

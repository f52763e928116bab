"""The receipt of an invoice as a PDF (fpdf2): lines, VAT, total, payments and refunds."""

from __future__ import annotations

from fpdf import FPDF

from services.payment.invoices.schemas import InvoiceOut

SELLER = "Ladda charging network"


def money(amount_minor: int, currency: str) -> str:
    sign = "-" if amount_minor < 0 else ""
    whole, cents = divmod(abs(amount_minor), 100)
    return f"{sign}{whole:,}.{cents:02d} {currency}".replace(",", " ")


def _text(value: object) -> str:
    """The PDF's core fonts are Latin-1: anything else is replaced, never an error."""
    return str(value).encode("latin-1", "replace").decode("latin-1")


def render_receipt(invoice: InvoiceOut) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_text(f"Receipt {invoice.number}"))
    pdf.set_author(SELLER)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    title = "Receipt" if invoice.status == "paid" else "Invoice"
    pdf.cell(0, 10, _text(f"{title} {invoice.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    facts = [
        ("Issued", invoice.issued_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Status", invoice.status),
        ("Charge point", f"{invoice.charge_point_id or '-'} / connector {invoice.connector_id}"),
        (
            "Session",
            f"{invoice.session_started_at:%Y-%m-%d %H:%M} - {invoice.session_stopped_at:%H:%M} UTC"
            if invoice.session_started_at and invoice.session_stopped_at
            else "-",
        ),
        ("Energy", f"{(invoice.energy_wh or 0) / 1000:.3f} kWh"),
    ]
    for label, value in facts:
        pdf.cell(40, 6, _text(label))
        pdf.cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(
        col_widths=(70, 30, 35, 35), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")
    ) as table:
        table.row(["Item", "Quantity", "Unit price", "Amount"])
        for line in invoice.lines:
            table.row(
                [
                    _text(line.description),
                    _text(f"{line.quantity} {line.unit}"),
                    _text(money(line.unit_price_minor, invoice.currency)),
                    _text(money(line.amount_minor, invoice.currency)),
                ]
            )
    pdf.ln(2)
    totals = [
        ("Subtotal (excl. VAT)", invoice.subtotal_minor),
        (f"VAT {invoice.vat_rate_bp / 100:.2f} %", invoice.vat_minor),
        ("Total", invoice.total_minor),
        ("Paid", invoice.amount_paid_minor),
    ]
    if invoice.amount_refunded_minor:
        totals.append(("Refunded", -invoice.amount_refunded_minor))
    for label, amount in totals:
        pdf.set_font("Helvetica", "B" if label == "Total" else "", 10)
        pdf.cell(135, 6, _text(label), align="R")
        pdf.cell(
            35, 6, _text(money(amount, invoice.currency)), align="R", new_x="LMARGIN", new_y="NEXT"
        )
    pdf.set_font("Helvetica", size=9)
    for refund in invoice.refunds:
        pdf.cell(
            0,
            5,
            _text(
                f"Refund {money(refund.amount_minor, refund.currency)} on "
                f"{refund.created_at:%Y-%m-%d}: {refund.reason or ''}"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(4)
    pdf.cell(0, 5, _text(f"{SELLER}. Amounts in {invoice.currency}, VAT included in the total."))
    return bytes(pdf.output())

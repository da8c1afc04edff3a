"""A form sent back with its errors: the page says so at the top and leads
to the form. On a long page (the case page) the form may be screens below
the message, so the message links to the form's anchor (`g.form_anchor`,
read by base.html) and the first marked field gets `autofocus`, which makes
the browser open the page at it: both work without a script."""
from flask import flash, g
from flask_babel import lazy_gettext as _l

CORRECT = _l("Please correct the marked fields.")


def correct_the_marked(form=None, anchor: str | None = None) -> None:
    """Flash the top message for `form` sent back with its errors; `anchor`
    is the id of the element that holds the form, for the message's link."""
    flash(str(CORRECT), "danger")
    lead_to(form, anchor)


def lead_to(form=None, anchor: str | None = None) -> None:
    """The link and the focus without the message: for a view whose own top
    message says better what is wrong (a file not attached, a comment needed)."""
    if anchor:
        g.form_anchor = anchor
    if form is not None:
        focus_first_error(form)


def focus_first_error(form) -> None:
    """Give the first field with an error `autofocus` (a new render_kw: the
    declared one is shared by every instance of the form's class)."""
    for field in form:
        if field.errors:
            field.render_kw = dict(field.render_kw or {}, autofocus=True)
            return

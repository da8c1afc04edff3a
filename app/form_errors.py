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


def marked(field, hint: bool = False) -> dict:
    """The attributes that make a field's state heard, not only seen: sent
    back, it is `aria-invalid` and described by its errors (the ids the
    field macro of _form.html gives them), then by its hint when it has one."""
    ids = [f"{field.id}-error{n}" for n in range(1, len(field.errors) + 1)]
    if hint:
        ids.append(f"{field.id}-hint")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs


def init_app(app) -> None:
    app.jinja_env.globals["marked"] = marked

"""A form sent back with its errors: the page says so at the top and leads
to the form. On a long page (the case page) the form may be screens below
the message, so the message links to the form's anchor (`g.form_anchor`,
read by base.html) and the first marked field gets `autofocus`, which makes
the browser open the page at it: both work without a script."""
from flask import flash, g, get_flashed_messages
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


# A message about one section of the next page ------------------------------------------
# A step taken in a section far down a long page (a date added, a swap answered)
# redirects to the section's anchor, where the phone opens the page: a message
# at the top would be screens above, unseen. `flash_in` gives the message its
# section; the section shows it (`messages_in`), and a page declares the
# sections it shows in `placed_sections` (a top-level {% set %}) so that the
# top shows the rest, and a message for a section the page lacks stays on top.

SECTION = "@"


def flash_in(section: str, message, category: str = "info") -> None:
    """Flash `message` for the section whose id is `section` on the next page."""
    flash(str(message), f"{category}{SECTION}{section}")


def _flashed() -> list[tuple[str, str, str | None]]:
    """(category, message, section or None); read as often as a page needs."""
    found = []
    for category, message in get_flashed_messages(with_categories=True):
        category, _at, section = category.partition(SECTION)
        found.append((category, message, section or None))
    return found


def messages_on_top(placed=()) -> list[tuple[str, str]]:
    """The messages the top of the page shows: all but those of its `placed` sections."""
    return [(category, message) for category, message, section in _flashed()
            if section is None or section not in placed]


def messages_in(section: str) -> list[tuple[str, str]]:
    return [(category, message) for category, message, at in _flashed() if at == section]


def init_app(app) -> None:
    app.jinja_env.globals["marked"] = marked
    app.jinja_env.globals["messages_on_top"] = messages_on_top
    app.jinja_env.globals["messages_in"] = messages_in

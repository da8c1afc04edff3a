"""Labels marked for translation, without Flask.

Every label a user reads (states, transitions, workflow names, and the app's
code lists, field labels and role names) is written once, in English, as a
gettext msgid marked with `N_` or `NC_`. `pybabel extract` collects the marked
strings into the catalogue (keywords in scripts/update-translations) and the
app translates them where it shows them (app.i18n.translate), so there is one
translation system: the catalogue.

`NC_` is for an English word with other meanings elsewhere ("Accepted" is 已受理
for a case but 已接受 for an elder's invitation): its context tells the two
apart in the catalogue (msgctxt), as pgettext does. Contexts are named for the
meaning: "case state", "elder invitation step", "date range", ...
"""


class Message(str):
    """An English label that is translated in a message context."""

    context: str

    def __new__(cls, context: str, text: str):
        message = super().__new__(cls, text)
        message.context = context
        return message

    def __reduce__(self):
        # str's own reduction would rebuild the label without its context.
        return (Message, (self.context, str(self)))

    def __repr__(self) -> str:
        return f"NC_({self.context!r}, {str(self)!r})"


def N_(text: str) -> str:
    """Mark `text` for extraction; it is translated where it is shown."""
    return text


def NC_(context: str, text: str) -> Message:
    """Mark `text` for extraction in message context `context`."""
    return Message(context, text)

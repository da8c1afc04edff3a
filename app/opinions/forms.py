from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..auth.forms import GroupedSelect
from ..disputes import row_steps

from .rules import OPINION_MAX, QUESTION_MAX


NOT_CHOSEN = 0


class RequestForm(FlaskForm):
    """Ask a lawyer: the choices (lawyers on duty next Saturday first) are set by the view."""

    # Chosen, never the list's first by default (which may be a lawyer flagged with a possible conflict).
    lawyer_id = SelectField(_l("Lawyer"), coerce=int, default=NOT_CHOSEN, widget=GroupedSelect(),
                            validators=[InputRequired(message=_l("Choose the lawyer to ask.")),
                                        NumberRange(min=1, message=_l("Choose the lawyer to ask."))])
    question = TextAreaField(_l("Question for the lawyer"),
                             validators=[DataRequired(message=_l("Write the question for the lawyer.")),
                                         Length(max=QUESTION_MAX)], render_kw={"rows": 5})
    override_reason = TextAreaField(_l("Why ask this lawyer despite the possible conflict"),
                                    validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


def step_form(trigger: str, row, formdata=None):
    """The form of one step on a request: the version the user saw, a reason
    where the step needs one, the opinion's fields for the answer."""
    return row_steps.build_step_form(row, trigger, "o", formdata, _answer_fields if trigger == "answer" else None)


def _answer_fields() -> dict:
    return {
        "opinion": TextAreaField(_l("Legal opinion"),
                                 validators=[DataRequired(message=_l("Write the opinion.")), Length(max=OPINION_MAX)],
                                 render_kw={"rows": 8}),
        "laws_cited": TextAreaField(_l("Laws cited (optional)"), validators=[Optional(), Length(max=2000)],
                                    render_kw={"rows": 3}),
    }

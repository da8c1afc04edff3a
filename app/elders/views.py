from flask import Blueprint

bp = Blueprint("elders", __name__, url_prefix="/elders")

"""The floor of bench/http.py: the smallest Flask app, served by the same
gunicorn settings as the project's app."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, world"

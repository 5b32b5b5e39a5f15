"""The floor for benchmarks/load.py: a minimal Dash app (one dropdown, one trivial callback), served like aigap.

    gunicorn --chdir benchmarks floor_app:server   (load.py starts it with the same server command `aigap serve` runs)
"""

from dash import Dash, Input, Output, dcc, html

app = Dash(__name__, serve_locally=True, update_title=None, compress=True)
app.layout = html.Div([dcc.Dropdown(id="pick", options=[str(n) for n in range(100)], value="0"), html.Div(id="out")])


@app.callback(Output("out", "children"), Input("pick", "value"))
def echo(value):
    return f"picked {value}"


server = app.server

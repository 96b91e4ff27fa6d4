"""The frame every page of the dashboard shares: one self-contained HTML document (inline CSS and a little JS;
nothing fetched from anywhere, because the machines that show it may be offline), the formatting of values (every
value that came from a partner is escaped), and the sign-in page.
"""
from html import escape


def e(value):
    return escape("" if value is None else str(value), quote=True)


def n(value):
    """A count for people: thousands separated; suppressed cells ("<5") as they are; missing as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return e(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


STYLE = """
:root{--ink:#1d2733;--muted:#5b6b7c;--line:#dde3ea;--bg:#f4f6f9;--card:#fff;--blue:#0b4f8a;--teal:#1a8f8a;
--f:#c2527a;--m:#2f6fb3;--ok:#23844b;--bad:#c0392b;--na:#9aa7b4;--warn:#d98c00}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
color:var(--ink);background:var(--bg)}
header{background:var(--blue);color:#fff;padding:14px 24px;display:flex;flex-wrap:wrap;gap:12px 24px;
align-items:center}header h1{font-size:19px;margin:0;font-weight:600}header .meta{opacity:.85;font-size:13px}
header nav{margin-left:auto;display:flex;gap:10px;align-items:center}header a,header button{color:#fff;
font-size:13px}header button{background:transparent;border:1px solid rgba(255,255,255,.6);border-radius:4px;
padding:4px 10px;cursor:pointer}
main{padding:18px 24px;max-width:1500px;margin:0 auto}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin-bottom:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:26px;font-weight:650;margin-top:2px}.card .sub{color:var(--muted);font-size:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px;margin-bottom:16px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin-bottom:16px}
.grid .panel{margin-bottom:0}.panel h2{font-size:15px;margin:0 0 10px;font-weight:600}
.panel .note{color:var(--muted);font-size:12px;margin:6px 0 0}
table{border-collapse:collapse;width:100%}th,td{padding:7px 8px;border-bottom:1px solid var(--line);
text-align:left;vertical-align:middle}th{font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap;
background:#fafbfc;position:sticky;top:0}th[data-key]{cursor:pointer}th[data-key]:after{content:" ↕";opacity:.35}
th.asc:after{content:" ↑";opacity:1}th.desc:after{content:" ↓";opacity:1}td.num,th.num{text-align:right;
font-variant-numeric:tabular-nums}tbody tr:hover{background:#f7f9fc}
.site-name{font-weight:600}.small{color:var(--muted);font-size:12px}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600}
.badge.open{background:#e3f3ea;color:var(--ok)}.badge.closed{background:#eceff2;color:var(--muted)}
.badge.unknown{background:#fff4dc;color:var(--warn)}
.bar{position:relative;height:16px;background:#e9edf2;border-radius:3px;min-width:120px;overflow:hidden}
.bar span{position:absolute;left:0;top:0;bottom:0;background:var(--teal)}.bar span.full{background:var(--warn)}
.bar span.over{background:var(--bad)}.bar-label{font-size:12px;color:var(--muted);white-space:nowrap}
.std{display:inline-flex;gap:3px}.dot{width:14px;height:14px;border-radius:3px;display:inline-block}
.dot.met{background:var(--ok)}.dot.unmet{background:var(--bad)}.dot.na{background:#dfe4ea}
.chip{display:inline-block;border:1px solid var(--line);border-radius:10px;padding:0 6px;margin:1px;
font-size:12px;white-space:nowrap}.legend{display:flex;gap:14px;font-size:12px;color:var(--muted);margin-top:6px;
flex-wrap:wrap}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.toolbar{display:flex;gap:10px;align-items:center;margin-bottom:8px;flex-wrap:wrap}
select,input{font:inherit;padding:4px 6px;border:1px solid var(--line);border-radius:4px}
.scroll{overflow-x:auto}svg text{font:12px system-ui,sans-serif;fill:var(--ink)}
.panel svg{max-width:600px;display:block}
"""

SCRIPT = """
(function(){
  var table=document.getElementById('site-table');if(!table)return;
  var body=table.tBodies[0];
  table.querySelectorAll('th[data-key]').forEach(function(th){
    th.addEventListener('click',function(){
      var key=th.getAttribute('data-key'),numeric=th.classList.contains('num')||th.hasAttribute('data-numeric');
      var asc=!th.classList.contains('asc');
      table.querySelectorAll('th').forEach(function(h){h.classList.remove('asc','desc');});
      th.classList.add(asc?'asc':'desc');
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.getAttribute('data-'+key)||'',y=b.getAttribute('data-'+key)||'';
        if(numeric){x=parseFloat(x);y=parseFloat(y);if(isNaN(x))x=-Infinity;if(isNaN(y))y=-Infinity;
          return asc?x-y:y-x;}
        return asc?x.localeCompare(y):y.localeCompare(x);
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  var filter=document.getElementById('province-filter');
  if(filter){filter.addEventListener('change',function(){
    var v=filter.value;Array.prototype.forEach.call(body.rows,function(r){
      r.style.display=(!v||r.getAttribute('data-adm1')===v)?'':'none';});
  });}
})();
"""


def page(title, body, nonce=None):
    script = f'<script nonce="{e(nonce)}">{SCRIPT}</script>' if nonce else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{e(title)}</title>'
            f'<style>{STYLE}</style></head><body>{body}{script}</body></html>')


def login_page(message=None, csrf_token=""):
    notice = f'<p class="error" role="alert">{e(message)}</p>' if message else ""
    body = f"""
<header><h1>Haven · Situation report</h1></header>
<main><div class="panel" style="max-width:560px;margin:40px auto">
<h2>Sign in</h2>
<p>Paste the access token you were given (scope <code>reporting:read</code>). It opens a session on this browser
that ends when you sign out, when it is left unused for a while, or when the token expires; the token itself is not
kept.</p>{notice}
<form method="post" action="/login" id="login-form">
<input type="hidden" name="csrf_token" value="{e(csrf_token)}">
<p><label for="token">Token</label><br>
<textarea id="token" name="token" rows="5" style="width:100%;font:12px monospace" required autocomplete="off"
spellcheck="false"></textarea></p>
<p><button type="submit" id="login-button">Open the dashboard</button></p>
</form></div></main>
<style>.error{{color:var(--bad);font-weight:600}}button{{font:inherit;padding:6px 14px;background:var(--blue);
color:#fff;border:0;border-radius:4px;cursor:pointer}}</style>"""
    return page("Haven · Sign in", body)


// SPDX-License-Identifier: MIT
// Light theme, one accent colour per verdict, a responsive grid that goes
// from three views a row to one on a phone, and print rules that keep a card
// on one page.
#include "report/html_style.hpp"

namespace meshsentry {

const char* html_report_css() noexcept {
  return R"css(
:root{--bg:#f3f4f7;--card:#fff;--ink:#1c2230;--muted:#5d6677;--faint:#8b93a3;--line:#e1e4ea;
--match:#c0262d;--match-bg:#fdeced;--suspect:#a35a00;--suspect-bg:#fff3df;--error:#6a4c9c;--error-bg:#f1ecfa;
--ok:#2e7d4f;--ok-bg:#e8f4ec;--accent:#3b5f9c;--dot:#e65125;
--mono:ui-monospace,"SFMono-Regular","JetBrains Mono",Menlo,Consolas,"DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","DejaVu Sans",Arial,sans-serif}
.wrap{max-width:1200px;margin:0 auto;padding:0 24px}
.mono{font-family:var(--mono);font-size:.92em}
header.top{background:#1c2230;color:#eef0f4;padding:28px 0 26px}
header.top h1{margin:0 0 18px;font-size:24px;font-weight:650;letter-spacing:-.01em}
header.top h1 span{font-weight:400;color:#a3acbe}
.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(175px,1fr));gap:14px 20px;margin:0}
.meta div{min-width:0}
.meta dt,.facts dt{font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.08em}
.meta dt{color:#8d97ab}
.meta dd{margin:2px 0 0;overflow-wrap:anywhere}
.meta .wide{grid-column:1/-1}
main{padding-bottom:16px}
h2{font-size:18px;font-weight:650;margin:34px 0 14px;display:flex;align-items:center;gap:10px}
h2 .count{font-size:13px;font-weight:600;color:var(--muted);background:#e4e7ed;border-radius:999px;padding:1px 10px}
table{border-collapse:collapse}
table.summary{width:100%;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden;table-layout:fixed}
table.summary th{font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);
text-align:left;padding:14px 18px 0}
table.summary td{font-size:30px;font-weight:650;padding:0 18px 12px;font-variant-numeric:tabular-nums}
table.summary td+td,table.summary th+th{border-left:1px solid var(--line)}
.n-match{color:var(--match)}.n-suspect{color:var(--suspect)}.n-error{color:var(--error)}.n-clean{color:var(--ok)}
.n-zero{color:var(--faint)}
.legend{display:flex;flex-wrap:wrap;gap:6px 22px;color:var(--muted);font-size:13px;margin:-4px 0 16px}
.legend span{display:inline-flex;align-items:center;gap:7px}
.swatch{width:11px;height:11px;border-radius:50%;background:var(--dot);box-shadow:0 0 0 1.5px #fff,0 0 0 2.5px #d8dbe1}
.swatch.body{border-radius:2px;background:#6084c4}
.swatch.rest{border-radius:2px;background:#96a5ba}
.card{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--match);border-radius:10px;
padding:18px 22px 20px;margin:0 0 22px;box-shadow:0 1px 3px rgba(20,28,45,.06)}
.card.suspect{border-left-color:var(--suspect)}
.card>header{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.card h3{margin:0;font:600 15px/1.4 var(--mono);overflow-wrap:anywhere;min-width:0;flex:1}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:11.5px;font-weight:700;
text-transform:uppercase;letter-spacing:.06em;background:var(--match-bg);color:var(--match);white-space:nowrap}
.badge.suspect{background:var(--suspect-bg);color:var(--suspect)}
.sev{display:inline-block;padding:0 8px;border-radius:4px;font-size:12px;font-weight:650;background:#eceff4;color:var(--muted)}
.sev.high{background:var(--match-bg);color:var(--match)}.sev.medium{background:var(--suspect-bg);color:var(--suspect)}
.sha{margin:6px 0 0;color:var(--muted);font-size:12.5px;overflow-wrap:anywhere}
.sha b{font-weight:600;color:var(--faint);margin-right:6px;font-family:inherit;font-size:11px;letter-spacing:.06em;
white-space:nowrap}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:12px 20px;margin:16px 0 18px;
padding:14px 0 0;border-top:1px solid var(--line)}
.facts div{min-width:0}
.facts dt{color:var(--faint)}
.facts dd{margin:2px 0 0;font-weight:500;overflow-wrap:anywhere;font-variant-numeric:tabular-nums}
.facts .wide{grid-column:span 2}
.meter{display:inline-block;width:54px;height:6px;border-radius:3px;background:#e6e8ec;vertical-align:middle;
margin-left:8px;overflow:hidden}
.meter i{display:block;height:100%;background:var(--match)}
.suspect .meter i{background:var(--suspect)}
.views{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:14px}
figure{margin:0;background:#f6f7f9;border:1px solid var(--line);border-radius:8px;overflow:hidden}
figure img{display:block;width:100%;height:auto}
figcaption{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.07em;color:var(--muted);
padding:7px 12px;border-top:1px solid var(--line);background:#fff}
.note{margin:0;padding:12px 14px;border-radius:8px;background:#f6f7f9;border:1px dashed #cfd4dc;color:var(--muted);font-size:14px}
.others{margin-top:16px}
.others summary{cursor:pointer;color:var(--accent);font-size:13.5px;font-weight:600}
table.list{width:100%;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden}
table.list th{font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);
text-align:left;padding:10px 14px;background:#f8f9fb;border-bottom:1px solid var(--line)}
table.list td{padding:9px 14px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
table.list tr:last-child td{border-bottom:0}
table.list td.mono{word-break:break-all}
table.list tr.skipped td{color:var(--muted)}
table.list .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.others table.list{margin-top:8px}
.empty{color:var(--muted);background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:0}
footer{color:var(--faint);font-size:12.5px;padding:8px 24px 32px}
@media (max-width:640px){.wrap{padding:0 14px}.card{padding:14px}table.summary td{font-size:22px;padding:0 10px 10px}
table.summary th{padding:10px 10px 0;font-size:9.5px;letter-spacing:.03em}.facts .wide{grid-column:1/-1}}
@media print{body{background:#fff}header.top{background:#fff;color:#000;border-bottom:2px solid #000}
.card{break-inside:avoid;box-shadow:none}}
)css";
}

}  // namespace meshsentry

"""Walk a drafted audit in a real JupyterLab, in headless Chromium, with several notebooks open at once.

Outside CI (it needs Debian's chromium and the playwright package, neither a project dependency):

    apt-get install chromium
    .venv/bin/pip install playwright            # the Python package only: no browser download
    .venv/bin/python scripts/browser_check.py [--out reports/browser]

It drafts an audit with `dpia new` from a sample notice, starts `dpia walk` on it (JupyterLab on
127.0.0.1 with a random token, autosave off so the notebooks stay without outputs), dismisses
JupyterLab's news pop-up, and opens all six walk notebooks, each in its own tab and kept open:

- 01 screening is opened first and left open while the others save;
- 04 adds a flow; 02, opened before that save, edits an activity; 01 then saves a screening answer;
- 02's flow form then tries the id 04 just used: refused, "exists";
- 03 fills an activity with a special category and no Art 9 condition: refused; with a Schedule 1 condition that
  needs an appropriate policy document: refused; records the policy document in its form; adds it: saved.
- 02 answers two of the template's step 2 questions (one "not stated"), saves, and adds a change-log entry;
- 06 records the DPO's advice as overruled without a reason (the warning shows by the field), then with one,
  and signs off the residual risks; its checklist of open questions shrinks.

At the end the audit on disk must hold every save (nothing lost) and the script prints what it saw.
A screenshot of each step goes to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_walk(audit: Path, port: int, token: str, work: Path) -> subprocess.Popen:
    """`dpia walk AUDIT` with a throwaway Jupyter configuration: this token, root allowed, no autosave."""
    config, settings = work / "config", work / "settings" / "@jupyterlab" / "docmanager-extension"
    config.mkdir(parents=True)
    settings.mkdir(parents=True)
    (config / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"allow_root": True, "ip": "127.0.0.1"}, "IdentityProvider": {"token": token}}))
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
           "JUPYTER_PLATFORM_DIRS": "1"}
    dpia = Path(sys.executable).parent / "dpia"
    proc = subprocess.Popen([str(dpia), "walk", str(audit), "--no-browser", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=1)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("JupyterLab did not start")


NEWS = {"dismissed": 0}


def dismiss_news(page) -> None:
    """JupyterLab asks whether to be notified of Jupyter news; answer No so the toast does not cover the forms."""
    try:
        if page.get_by_text("notified about official Jupyter news").count():
            page.get_by_role("button", name="No", exact=True).first.click(timeout=3000)
            NEWS["dismissed"] += 1
    except Exception:  # noqa: BLE001 - it went away by itself
        pass


def wait_text(scope, text: str, seconds: float = 30) -> bool:
    """Whether the text appears in the scope within the time (the kernel answers each widget change in turn)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if text in scope.inner_text():
            return True
        time.sleep(0.5)
    return False


def open_notebook(page, port: int, token: str, name: str, out: Path) -> str:
    page.goto(f"http://127.0.0.1:{port}/lab/tree/{name}?reset&token={token}")
    page.wait_for_selector(".jp-Notebook", timeout=60000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], .jp-KernelStatus", timeout=60000)
    time.sleep(2)
    page.click("text=Run", timeout=20000)
    page.click("text=Run All Cells", timeout=10000)
    page.wait_for_selector(".widget-button", timeout=120000)
    time.sleep(3)
    dismiss_news(page)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
    tracebacks = page.locator(".jp-OutputArea-output:has-text('Traceback')").count()
    page.screenshot(path=str(out / f"{Path(name).stem}.png"))
    return (f"{name}: ran, {page.locator('.widget-button').count()} buttons, {errors} error outputs, {tracebacks} tracebacks")


def form(page, label: str):
    """The form (a widget box with a Save button) that has a field with this label."""
    return page.locator(".widget-vbox").filter(has=page.locator(f'label.widget-label:text-is("{label}")')) \
        .filter(has=page.locator("button:has-text('Save')")).last


def field(scope, label: str):
    box = scope.locator(".widget-inline-hbox").filter(has=scope.page.locator(f'label.widget-label:text-is("{label}")')).first
    return box.locator("input, select, textarea").first


def show(scope) -> None:
    scope.scroll_into_view_if_needed()
    time.sleep(1)


def press(scope, text: str) -> None:
    dismiss_news(scope.page)
    scope.locator(f"button:has-text('{text}')").first.click()
    time.sleep(2.5)


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "reports" / "browser"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dpia-browser-"))
    dpia = Path(sys.executable).parent / "dpia"
    subprocess.run([str(dpia), "new", "drafted", "--notice", str(ROOT / "data/samples/best2care/notice.txt"),
                    "--into", str(work), "--audit-date", "2026-11-23"], check=True, capture_output=True)
    audit = work / "drafted"
    before = {n: (audit / n).read_text() for n in ("activities.csv", "flows.csv", "risks.csv")}
    notebooks_before = {p.name: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")}
    port, token = free_port(), secrets.token_hex(16)
    lab = start_walk(audit, port, token, work)
    seen: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            pages = {}
            for name in ["01_screening.ipynb", "02_data_flows.ipynb", "04_international_transfers.ipynb",
                         "03_lawful_basis.ipynb", "05_risks.ipynb", "06_consultation_and_sign_off.ipynb"]:
                page = context.new_page()
                seen.append(open_notebook(page, port, token, name, out))
                pages[name[:2]] = page
                time.sleep(1)
            seen += walk(pages, out)
            browser.close()
    finally:
        lab.terminate()
        lab.wait(timeout=30)
    seen.append(f"JupyterLab's news pop-up answered No: {NEWS['dismissed']} time(s)")
    seen += check_disk(audit, before)
    changed = [p.name for p in (ROOT / "notebooks").glob("*.ipynb") if notebooks_before.get(p.name) != p.read_bytes()]
    seen.append(f"notebooks in the repository changed by the walk: {changed or 'none'}")
    shutil.rmtree(work, ignore_errors=True)
    print("\n".join(seen))
    print(f"screenshots in {out}")


def walk(pages: dict, out: Path) -> list[str]:
    seen = []
    # 04: a new flow
    p = pages["04"]
    p.bring_to_front()
    flows = form(p, "Flow ID")
    show(flows)
    field(flows, "Flow ID").fill("F90")
    field(flows, "Activity").select_option(index=1)
    field(flows, "Recipient").fill("Rota planning app Ltd")
    field(flows, "Recipient type").select_option(label="IT, hosting and software processors")
    field(flows, "Data shared").fill("names; shifts")
    field(flows, "Destination country").select_option(label="United States")
    wait_text(field(flows, "Transfer mechanism"), "approved only in part")
    none_label = " ".join(field(flows, "Transfer mechanism").locator("option").first.inner_text().split())
    field(flows, "Evidence from the notice").fill("our supplier list")
    p.screenshot(path=str(out / "04_new_flow_filled.png"))
    press(flows, "Save")
    seen.append(f"04: '(none)' reads: {none_label!r}; save F90: {wait_text(flows, 'Saved F90')}")
    p.screenshot(path=str(out / "04_new_flow_saved.png"))
    # 02, open since before that save: edit A1
    p = pages["02"]
    p.bring_to_front()
    acts = form(p, "Activity ID")
    show(acts)
    field(acts, "Edit").select_option(index=1)  # A1
    time.sleep(2)
    wait_text(acts, "Processing about")
    field(acts, "Name").fill("Enquiries from people looking for care")
    time.sleep(1)
    press(acts, "Save")
    seen.append(f"02: edit A1 (open since before 04's save): {wait_text(acts, 'Saved A1')}")
    p.screenshot(path=str(out / "02_activity_saved.png"))
    # 02's flow form has not seen F90: the id is refused
    flows2 = form(p, "Flow ID")
    show(flows2)
    field(flows2, "Flow ID").fill("F90")
    time.sleep(1)
    field(flows2, "Recipient").fill("x")
    time.sleep(1.5)
    press(flows2, "Save")
    seen.append(f"02: a new flow F90 in a form opened before 04 saved it: refused with 'F90 exists: pick it under Edit': "
                f"{wait_text(flows2, 'F90 exists: pick it under Edit')}")
    p.screenshot(path=str(out / "02_existing_id_refused.png"))
    # 01, open since the start: a screening answer
    p = pages["01"]
    p.bring_to_front()
    screening = p.locator(".widget-vbox").filter(has=p.locator("button:has-text('Save answers')")).last
    row = screening.locator(".widget-hbox").filter(has=p.locator("b:text-is('Data processed on a large scale')")).last
    row.scroll_into_view_if_needed()
    row.locator("select").select_option(label="yes")
    time.sleep(1)
    row.locator("input").fill("about 2,000 people receive care")
    time.sleep(2)
    p.screenshot(path=str(out / "01_screening_answered.png"))
    press(screening, "Save answers")
    saved = wait_text(screening, "Saved.")
    screening.locator("button:has-text('Save answers')").scroll_into_view_if_needed()
    seen.append(f"01 (open since the start): screening answer saved: {saved}; verdict shown: "
                f"{'Screening now: DPIA required' in screening.inner_text()}")
    p.screenshot(path=str(out / "01_screening_saved.png"))
    # 03: a refused save, then an accepted one
    p = pages["03"]
    p.bring_to_front()
    acts3 = form(p, "Activity ID")
    show(acts3)
    field(acts3, "Activity ID").fill("A20")
    field(acts3, "Name").fill("Staff rota")
    field(acts3, "Purpose").fill("Plan care visits")
    field(acts3, "Data subjects").select_option(label="Staff")
    field(acts3, "Data categories").fill("name; shifts")
    field(acts3, "Special category data").select_option(label="Health")
    field(acts3, "Article 6 lawful basis").select_option(label="Contract (Art 6(1)(b))")
    field(acts3, "Retention").fill("6 years after leaving")
    field(acts3, "Evidence from the notice").fill("our own rota records")
    time.sleep(2)
    p.screenshot(path=str(out / "03_form_needs_art9.png"))
    press(acts3, "Save")
    refused = wait_text(acts3, "Not saved") and "Article 9 condition: choose one for Health" in acts3.inner_text()
    p.screenshot(path=str(out / "03_form_refused.png"))
    field(acts3, "Article 9 condition").select_option(label="Employment, social security and social protection (Art 9(2)(b))")
    field(acts3, "Schedule 1 condition").select_option(label="Employment, social security and social protection (Sch 1 para 1)")
    time.sleep(2)
    press(acts3, "Save")
    policy = wait_text(acts3, "needs an appropriate policy document")
    p.screenshot(path=str(out / "03_form_needs_policy_document.png"))
    # the policy document form, further down the same notebook
    papd = form(p, "Has one")
    show(papd)
    field(papd, "Has one").select_option(label="yes")
    field(papd, "Where it is").fill("the staff intranet, HR policies")
    field(papd, "Last reviewed").fill("2026-10-01")
    field(papd, "Where it is").press("Tab")
    time.sleep(2)
    press(papd, "Save")
    recorded = wait_text(papd, "Saved:")
    p.screenshot(path=str(out / "03_policy_document_saved.png"))
    show(acts3)
    press(acts3, "Save")
    seen.append(f"03: refused without an Art 9 condition, message by the field: {refused}; then for want of an appropriate "
                f"policy document: {policy}; policy document recorded in its form: {recorded}; saved once complete: "
                f"{wait_text(acts3, 'Saved A20')}")
    p.screenshot(path=str(out / "03_form_saved.png"))
    # 05: where the risks stand on a drafted audit
    p = pages["05"]
    p.bring_to_front()
    stands = p.locator(".jp-OutputArea-output").filter(has_text="Measures to reduce risk").first
    stands.scroll_into_view_if_needed()
    time.sleep(1)
    seen.append(f"05: drafted risks shown as not yet assessed: {'not yet assessed' in stands.inner_text()}; "
                f"prior consultation not called for: {'is not required' in stands.inner_text()}")
    p.screenshot(path=str(out / "05_risks_stand.png"))
    risk_form = form(p, "Risk ID")
    heading = risk_form.locator("h4:has-text('Step 6: the measures')").first
    heading.scroll_into_view_if_needed()
    time.sleep(1)
    seen.append(f"05: the risk form groups the step 6 fields (effect, approval, owner, due): {heading.count() == 1}")
    p.screenshot(path=str(out / "05_risk_form_step6.png"))
    seen += template_steps(pages, out)
    return seen


def question(scope, label: str):
    """The text area of a template question, found by the question's words."""
    return scope.locator(".widget-vbox").filter(has=scope.page.locator(f"b:text-is('{label}')")).last


def open_count(page) -> int:
    import re

    checklist = page.locator(".dpia-checklist").first
    checklist.scroll_into_view_if_needed()
    time.sleep(1)
    text = checklist.text_content()  # cells out of view may not be laid out: read the text itself
    return int(re.search(r"(\d+) of \d+ questions still open", text).group(1))


def template_steps(pages: dict, out: Path) -> list[str]:
    seen = []
    # 02: two questions of step 2, one answered, one not stated; then the change log
    p = pages["02"]
    p.bring_to_front()
    template = p.locator(".widget-vbox").filter(has=p.locator("h3:has-text('Step 2: describe the processing')")).last
    volume = question(template, "Volume")
    volume.scroll_into_view_if_needed()
    volume.locator("textarea").fill("about 2,000 care records")
    volume.locator("textarea").press("Tab")
    frequency = question(template, "Frequency")
    frequency.locator("input[type=checkbox]").check()
    time.sleep(2)
    p.screenshot(path=str(out / "02_template_answers.png"))
    press(template, "Save")
    saved = wait_text(template, "Saved: Volume and Frequency")
    offered = wait_text(template, "Record this change in the document's change log?")
    template.locator("button:has-text('Add to the change log')").scroll_into_view_if_needed()
    field(template, "By").fill("J Smith, consultant")
    field(template, "By").press("Tab")
    time.sleep(1)
    p.screenshot(path=str(out / "02_change_log_offer.png"))
    press(template, "Add to the change log")
    closed = "Record this change" not in template.inner_text()
    seen.append(f"02: step 2 answers saved: {saved}; change-log entry offered: {offered}; added: {closed}")
    # 06: the DPO's advice overruled without a reason, then with one; a sign-off; the checklist shrinks
    p = pages["06"]
    p.bring_to_front()
    p.click("text=Run", timeout=20000)  # open since the start: run again to see what the other notebooks saved
    p.click("text=Run All Cells", timeout=10000)
    time.sleep(12)  # every cell again: the report is built once more for where the audit stands
    p.wait_for_selector(".dpia-checklist", timeout=120000)
    p.wait_for_selector(".widget-button", timeout=120000)
    dismiss_news(p)
    before = open_count(p)
    dpo = form(p, "Advice given by")
    show(dpo)
    field(dpo, "Advice given by").fill("Jane Smith, Data Protection Officer")
    field(dpo, "Date of the advice").fill("2026-12-01")
    field(dpo, "Summary of the DPO's advice").fill("Publish the retention schedule before proceeding.")
    field(dpo, "Accepted or overruled").select_option(label="overruled")
    field(dpo, "Summary of the DPO's advice").press("Tab")
    time.sleep(2)
    warned = wait_text(dpo, "Why it was overruled: the advice was overruled: give the reason")
    p.screenshot(path=str(out / "06_dpo_overruled_warning.png"))
    press(dpo, "Save")
    saved = wait_text(dpo, "Saved:")
    field(dpo, "Why it was overruled").fill("the schedule is published with the DPIA itself")
    field(dpo, "Why it was overruled").press("Tab")
    time.sleep(1.5)
    press(dpo, "Save")
    reason = wait_text(dpo, "Saved: Why it was overruled")
    p.screenshot(path=str(out / "06_dpo_saved.png"))
    seen.append(f"06: overruled without a reason warns by the field: {warned}; saved as validation allows: {saved}; "
                f"reason saved: {reason}")
    sign = form(p, "What is approved")
    show(sign)
    field(sign, "What is approved").select_option(label="Residual risks approved by")
    field(sign, "Name").fill("Ann Lee")
    field(sign, "Role").fill("Registered manager")
    field(sign, "Date").fill("2026-12-03")
    field(sign, "Decision and notes").fill("Approved: no residual high risk")
    field(sign, "Name").press("Tab")
    time.sleep(2)
    press(sign, "Save")
    added = wait_text(sign, "Added: Residual risks approved by: Ann Lee")
    p.screenshot(path=str(out / "06_sign_off_saved.png"))
    p.locator(".dpia-checklist").first.scroll_into_view_if_needed()
    time.sleep(1.5)
    after = open_count(p)
    p.screenshot(path=str(out / "06_checklist.png"))
    seen.append(f"06: sign-off added: {added}; open questions of the template before and after 06's saves: {before} -> {after}")
    return seen


def check_disk(audit: Path, before: dict[str, str]) -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from dpia.audit import load

    a = load(audit)
    flows, acts = set(a.flows.flow_id), a.activities.set_index("activity_id")
    drafted_flows = {line.split(",")[0] for line in before["flows.csv"].splitlines()[1:]}
    drafted_acts = {line.split(",")[0] for line in before["activities.csv"].splitlines()[1:]}
    return [f"on disk: F90 kept: {'F90' in flows}; every drafted flow kept: {drafted_flows <= flows}; "
            f"every drafted activity kept: {drafted_acts <= set(acts.index)}; A20 added: {'A20' in acts.index}; "
            f"A1 renamed: {acts.loc['A1', 'name'] == 'Enquiries from people looking for care'}; "
            f"screening answer kept: {(a.meta.get('screening') or {}).get('wp248_large_scale')}; "
            f"scale: {a.meta.get('scale')}; change log entries: {len((a.meta.get('document') or {}).get('change_log') or [])}; "
            f"DPO advice: {a.meta.get('dpo_advice')}; sign-off: {a.meta.get('sign_off')}; "
            f"errors: {len(a.errors)}; leftover files: {sorted(p.name for p in audit.iterdir() if p.name.startswith('.'))}"]


if __name__ == "__main__":
    main()

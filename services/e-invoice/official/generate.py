#!/usr/bin/env python3
"""Generates the e-invoice validator's data from the official rule sets kept in this folder.

Sources (unchanged copies; origin, version and commit in SOURCE):
  cen/EN16931-{UBL,CII}-validation-preprocessed.sch   CEN EN 16931 validation artefacts 1.3.16
  xrechnung/XRechnung-{UBL,CII}-validation.sch        XRechnung 3.0.x national rules

Outputs:
  ../domain/codelists/en16931-{ubl,cii}.txt   every BR-CL code list, one line per rule and list:
                                              "BR-CL-01 1 71 80 81 ..." (embedded at build time)
  ../domain/codelists/xrechnung.txt           the XRechnung code lists (xrechnung/common.sch):
                                              "CVA-CODES 1 clean zero-emission other"
  ../domain/rules-catalogue.tsv               every rule id of the official sets per syntax with
                                              its flag: "syntax  rule  flag  set  note" (note
                                              "never-fires": the official test is true();
                                              "shadowed": an earlier rule of its pattern takes
                                              every node of its context)

    generate.py            # writes the outputs
    generate.py --check    # exits 1 when an output differs from what the sources give (make test)
"""
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

HERE = pathlib.Path(__file__).resolve().parent
DOMAIN = HERE.parent / "domain"
SCH = "{http://purl.oclc.org/dsdl/schematron}"
CEN = {"ubl": "cen/EN16931-UBL-validation-preprocessed.sch",
       "cii": "cen/EN16931-CII-validation-preprocessed.sch"}
XRECHNUNG = {"ubl": "xrechnung/XRechnung-UBL-validation.sch",
             "cii": "xrechnung/XRechnung-CII-validation.sch"}
SEVERITY = {"information": 0, "warning": 1, "fatal": 2}


def assertions(path):
    """(id, flag, test) of every assert/report, in document order."""
    root = ET.parse(HERE / path).getroot()
    for rule in root.iter(SCH + "rule"):
        for a in list(rule.iter(SCH + "assert")) + list(rule.iter(SCH + "report")):
            rid = a.get("id")
            if rid:
                flag = a.get("flag") or rule.get("flag") or "fatal"
                yield rid.strip(), flag.strip(), a.get("test", "")


def code_lists(syntax):
    out = []
    for rid, _flag, test in assertions(CEN[syntax]):
        if not rid.startswith("BR-CL-"):
            continue
        found = [m.split() for m in
                 re.findall(r"contains\(\s*'\s([^']*?)\s'\s*,\s*(?:concat|substring-before)\(", test)]
        mimes = re.findall(r"@mimeCode\s*=\s*'([^']*)'", test)
        if mimes:
            found.append(mimes)
        for i, codes in enumerate(found, 1):
            out.append("%s %d %s" % (rid, i, " ".join(codes)))
    if not out:
        sys.exit("generate.py: no BR-CL lists in %s" % CEN[syntax])
    return out


# The lists of xrechnung/common.sch that rules name: ' a b c ', ('a', 'b') or concat($X, $Y).
XRECHNUNG_LISTS = ("DIGA-CODES", "ISO-6523-ICD-CODES", "ISO-6523-ICD-EXT-CODES", "CEF-EAS-CODES",
                   "CEF-EAS-EXT-CODES", "UNTDID-7143-CODES", "UNTDID-7143-CVD-CODES",
                   "CVD-VEHICLE-CATEGORY", "CVA-CODES")


def xrechnung_lists():
    root = ET.parse(HERE / "xrechnung/common.sch").getroot()
    lets = {l.get("name"): " ".join(l.get("value").split()) for l in root.iter(SCH + "let")}

    def value(name):
        v = lets[name]
        concat = re.fullmatch(r"concat\((.*)\)", v)
        if concat:
            out = []
            for part in concat.group(1).split(","):
                part = part.strip()
                if not part.startswith("$"):
                    sys.exit("generate.py: unexpected part %r of %s" % (part, name))
                out += value(part[1:])
            return out
        if re.fullmatch(r"'[^']*'", v):
            return v[1:-1].split()
        seq = re.fullmatch(r"\((.*)\)", v)
        if seq:
            return re.findall(r"'([^']*)'", seq.group(1))
        sys.exit("generate.py: cannot read the list %s = %s" % (name, v))

    return ["%s 1 %s" % (name, " ".join(value(name))) for name in XRECHNUNG_LISTS]


def shadowed(path):
    """Ids of asserts whose rule can never be reached: in Schematron a node is matched by the
    first rule of a pattern whose context matches it, so a rule whose every context alternative
    ends in an element that an earlier rule of the pattern takes as `//name` (no predicate) is
    never applied."""
    out, reached = set(), set()
    root = ET.parse(HERE / path).getroot()
    for pattern in root.iter(SCH + "pattern"):
        anywhere = set()  # names taken by an earlier `//name` rule
        for rule in pattern.iter(SCH + "rule"):
            context = " ".join((rule.get("context") or "").split())
            alternatives = [a.strip() for a in context.split("|")]
            lasts = [re.split(r"/+", a)[-1] for a in alternatives]
            unreachable = bool(lasts) and all(
                re.fullmatch(r"[\w.-]+:[\w.-]+", l) and l in anywhere for l in lasts)
            for a in list(rule.iter(SCH + "assert")) + list(rule.iter(SCH + "report")):
                if a.get("id"):
                    (out if unreachable else reached).add(a.get("id").strip())
            for a in alternatives:
                m = re.fullmatch(r"//([\w.-]+:[\w.-]+)", a)
                if m:
                    anywhere.add(m.group(1))
    return out - reached


# Rules whose official test, read as XPath, can never be false (checked by reading; the validator
# evaluates them the same way, see domain/rules.cc): listed so that the coverage can count them.
UNREACHABLE_BY_READING = {
    # `cac:TaxTotal/cbc:TaxAmount[@currencyID = cbc:DocumentCurrencyCode]` asks for a child of
    # cbc:TaxAmount that never exists, so the `not(...)` branch always holds.
    ("ubl", "BR-DEC-13"), ("ubl", "BR-DEC-15"),
    # `every $rate in ../ram:RateApplicablePercent` from ram:ApplicableTradeTax: its parent has
    # no such child, and `every` over nothing is true.
    ("cii", "BR-AF-08"), ("cii", "BR-AG-08"),
}


def catalogue():
    rules = {}  # (syntax, id) -> (flag, set)
    inert = {}  # (syntax, id) -> every test of the id is true(): the rule can never fire
    unreachable = {syntax: shadowed(CEN[syntax]) | shadowed(XRECHNUNG[syntax])
                   for syntax in ("ubl", "cii")}
    for syntax in ("ubl", "cii"):
        for name, sources in (("cen", CEN), ("xrechnung", XRECHNUNG)):
            for rid, flag, test in assertions(sources[syntax]):
                key = (syntax, rid)
                old = rules.get(key)
                # One id bound in several contexts: the strictest flag counts.
                if old is None or SEVERITY.get(flag, 2) > SEVERITY.get(old[0], 2):
                    rules[key] = (flag, name)
                inert[key] = inert.get(key, True) and test.strip() == "true()"
    def note(s, r):
        if inert[(s, r)]:
            return "\tnever-fires"
        if r in unreachable[s]:
            return "\tshadowed"
        if (s, r) in UNREACHABLE_BY_READING:
            return "\tnever-fires"
        return ""
    return ["%s\t%s\t%s\t%s%s" % (s, r, f, n, note(s, r)) for (s, r), (f, n) in sorted(rules.items())]


def header(comment):
    source = (HERE / "SOURCE").read_text(encoding="utf-8").strip().splitlines()
    return [comment + " Generated by services/e-invoice/official/generate.py; do not edit.",
            *(comment + " " + line for line in source)]


def outputs():
    files = {}
    for syntax in ("ubl", "cii"):
        files[DOMAIN / "codelists" / ("en16931-%s.txt" % syntax)] = header("#") + code_lists(syntax)
    files[DOMAIN / "codelists" / "xrechnung.txt"] = header("#") + xrechnung_lists()
    files[DOMAIN / "rules-catalogue.tsv"] = header("#") + ["syntax\trule\tflag\tset\tnote"] + catalogue()
    return {path: "\n".join(lines) + "\n" for path, lines in files.items()}


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for path, text in outputs().items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path.relative_to(HERE.parent)))
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("differ from the official sources: %s (run official/generate.py)" % ", ".join(stale))
        return 1
    if check:
        print("code lists and rule catalogue match the official sources")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The man pages agree with the program: every command and long option of
`telltale --help` is in telltale(8) and the page documents no option the
program lacks; every key, output type and format the config parser accepts
(the key tables in core/config.c), every probe and every observation kind an
allow entry takes is in telltale.yaml(5); both pages render without a groff
warning."""
import os
import re
import shutil
import subprocess
import sys

telltale = sys.argv[1]
source = os.environ["TT_SOURCE_ROOT"]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def read(*path):
    with open(os.path.join(source, *path)) as f:
        return f.read()


page8 = read("man", "telltale.8.scd")
page5 = read("man", "telltale.yaml.5.scd")

help_text = subprocess.run([telltale, "--help"], capture_output=True, text=True, check=True).stdout
help_options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", help_text))
page_options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", page8))
check(len(help_options) >= 6, f"--help lists long options ({len(help_options)})")
for opt in sorted(help_options):
    check(re.search(rf"\*(-\w, )?{opt}\*", page8) is not None, f"telltale(8) documents {opt}")
for opt in sorted(page_options - help_options):
    check(False, f"telltale(8) mentions {opt}, which --help does not know")
commands = re.findall(r"^  telltale (\w[\w-]*)", help_text, re.M)
check(len(commands) >= 4, f"--help lists commands ({', '.join(commands)})")
for cmd in commands:
    check(re.search(rf"^\*{cmd}\*", page8, re.M) is not None, f"telltale(8) describes the command {cmd}")
for status in ("0", "1", "2"):
    check(re.search(rf"^\*{status}\*$", page8, re.M) is not None, f"telltale(8) gives exit status {status}")
check("TELLTALE_CATALOG_DIR" in page8, "telltale(8) names TELLTALE_CATALOG_DIR")

# Every string in the key tables of the config parser: the static tables and
# the inline compound literals handed to tt_yaml_check_keys().
config_c = read("core", "config.c")
tables = re.findall(r"static const char \*const \w+\[[^\]]*\] = \{([^}]*)\}", config_c)
tables += re.findall(r"\(const char \*const\[\]\)\{([^}]*)\}", config_c)
keys = sorted({k for t in tables for k in re.findall(r'"([^"]+)"', t)})
check(len(keys) >= 30, f"config.c key tables found ({len(keys)} names)")
# Also the keys read one by one (tt_yaml_get) that no table lists.
keys = sorted(set(keys) | set(re.findall(r'tt_yaml_get\(\w+, "([^"]+)"\)', config_c)))
for key in keys:
    check(re.search(rf"\*[^*\n]*(?<![\w]){re.escape(key)}(?![\w])[^*\n]*\*", page5) is not None,
          f"telltale.yaml(5) documents {key}")

kinds = re.findall(r"^KIND\((\w+),", read("core", "kind.c"), re.M)
check(len(kinds) >= 20, f"observation kinds found ({len(kinds)})")
for kind in kinds:
    check(f"*{kind}*" in page5, f"telltale.yaml(5) lists the kind {kind} for allow entries")
# Every probe defined (registered or not yet) and every option it takes.
probe_sources = "".join(read("probes", f) for f in sorted(os.listdir(os.path.join(source, "probes")))
                        if f.endswith(".c"))
probes = re.findall(r'const struct tt_probe tt_probe_\w+ = \{\s*\.name = "([^"]+)"', probe_sources)
check(len(probes) >= 10, f"probes found ({len(probes)})")
for probe in probes:
    check(f"*{probe}*" in page5, f"telltale.yaml(5) names the probe {probe}")
for table in re.findall(r"static const char \*const \w+_options\[\] = \{([^}]*)\}", probe_sources):
    for option in re.findall(r'"([^"]+)"', table):
        check(re.search(rf"\*probes\.\w+\.{option}\*", page5) is not None,
              f"telltale.yaml(5) documents the probe option {option}")

scdoc = shutil.which("scdoc")
check(scdoc is not None, "scdoc is installed (scripts/deps.sh)")
for name, text in (("telltale.8", page8), ("telltale.yaml.5", page5)):
    if not scdoc:
        break
    roff = subprocess.run([scdoc], input=text, capture_output=True, text=True)
    check(roff.returncode == 0, f"{name}: scdoc renders it ({roff.stderr.strip()})")
    groff = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=roff.stdout, capture_output=True,
                           text=True)
    check(groff.returncode == 0 and groff.stderr == "", f"{name}: groff has no warning ({groff.stderr.strip()})")

if failures:
    print(f"{len(failures)} check(s) failed:", *failures, sep="\n  ")
    sys.exit(1)

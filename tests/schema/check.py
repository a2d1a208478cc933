"""Validate scenario files against dyadsim's JSON Schema with the jsonschema package."""
import pathlib
import sys
import tomllib

import jsonschema

schema = __import__("json").loads(pathlib.Path(sys.argv[1]).read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

files = sorted(pathlib.Path(sys.argv[2]).rglob("*.toml")) + [pathlib.Path(sys.argv[3])]
passed = failed = 0
for f in files:
    errors = list(validator.iter_errors(tomllib.loads(f.read_text())))
    if errors:
        failed += 1
        print(f"FAIL {f}: {errors[0].message} at {list(errors[0].absolute_path)}")
    else:
        passed += 1

# Files the parser accepts that no shipped scenario shows must be accepted too.
good = {
    "distributions among a sweep's values": '[scenario]\nname = "x"\n[sweep]\ndesign = "zip"\n'
    '[sweep.supplier]\nexperience = { values = [{ dist = "beta", a = 3, b = 7 }, 0.5, '
    '{ dist = "uniform", from = 0.6, to = 0.95 }] }\n'
    '[sweep.mechanisms]\nlock_in = { values = [true, { dist = "choice", values = [true, false] }, false] }\n',
    "a sensitivity block with a range and a distribution": '[scenario]\nname = "x"\n[sensitivity]\n'
    'design = "sobol"\nsamples = 64\nmetrics = ["dissolved"]\n[sensitivity.buyer]\nchampion = { from = 0.1, to = 0.9 }\n'
    'engagement = { dist = "beta", a = 2, b = 5 }\n',
    "labels, a coding table and a scoped pattern with a level": '[scenario]\nname = "x"\n[sweep]\ndesign = "zip"\n'
    'labels = ["a", "b"]\n[sweep.buyer]\nchampion = { values = [0.1, 0.2] }\n[coding]\nhigh = 0.4\nmedium = 0.2\nlow = 0\n'
    '[[pattern]]\nid = "p"\npoint = "b"\nsource = "s"\ndescription = "d"\nmetric = "asymmetry"\nat = "execution:entry"\n'
    'rule = "share_above"\nlevel = "high"\nthreshold = 0.5\n',
}
for what, text in good.items():
    errors = list(validator.iter_errors(tomllib.loads(text)))
    if errors:
        failed += 1
        print(f"FAIL schema rejects a file with {what}: {errors[0].message}")
    else:
        passed += 1

# Files the parser rejects must be rejected by the schema too.
bad = {
    "unknown parameter": '[scenario]\nname = "x"\n[params.buyer]\nchampoin = 0.5\n',
    "out of range": '[scenario]\nname = "x"\n[params.buyer]\nchampion = 1.5\n',
    "wrong type": '[scenario]\nname = "x"\n[params.buyer]\nchampion = "high"\n',
    "unknown table": '[scenario]\nname = "x"\n[parms]\n',
    "bad name": '[scenario]\nname = "a b"\n',
    "unknown design": '[scenario]\nname = "x"\n[sweep]\ndesign = "random"\n',
    "unknown distribution": '[scenario]\nname = "x"\n[params.buyer]\nchampion = { dist = "gauss", mean = 0.5, sd = 0.1 }\n',
    "distribution key typo": '[scenario]\nname = "x"\n[params.buyer]\nchampion = { dist = "beta", a = 2, bb = 5 }\n',
    "beta with a = 0": '[scenario]\nname = "x"\n[params.buyer]\nchampion = { dist = "beta", a = 0, b = 5 }\n',
    "a switch drawn from a beta": '[scenario]\nname = "x"\n[params.mechanisms]\nexit = { dist = "beta", a = 2, b = 5 }\n',
    "a distribution key typo among sweep values": '[scenario]\nname = "x"\n[sweep.supplier]\nexperience = { values = [0.2, { dist = "beta", a = 2, bb = 5 }] }\n',
    "an unknown sensitivity design": '[scenario]\nname = "x"\n[sensitivity]\ndesign = "fast"\n',
    "an unknown sensitivity metric": '[scenario]\nname = "x"\n[sensitivity]\ndesign = "morris"\nmetrics = ["dissolve"]\n',
    "a sensitivity range key typo": '[scenario]\nname = "x"\n[sensitivity.buyer]\nchampion = { form = 0.1, to = 0.9 }\n',
    "a swept switch drawn from a beta": '[scenario]\nname = "x"\n[sweep.mechanisms]\nexit = { values = [true, { dist = "beta", a = 2, b = 5 }] }\n',
    "a coding key typo": '[scenario]\nname = "x"\n[coding]\nhihg = 0.4\n',
    "a label with a space": '[scenario]\nname = "x"\n[sweep]\nlabels = ["a b"]\n',
    "a duplicate label": '[scenario]\nname = "x"\n[sweep]\ndesign = "zip"\nlabels = ["a", "a"]\n[sweep.buyer]\nchampion = { values = [0.1, 0.2] }\n',
    "an unknown level": '[scenario]\nname = "x"\n[[pattern]]\nid = "a"\nsource = "s"\ndescription = "d"\nmetric = "asymmetry"\nrule = "share_above"\nlevel = "hgh"\nthreshold = 0.5\n',
}
for what, text in bad.items():
    if validator.is_valid(tomllib.loads(text)):
        failed += 1
        print(f"FAIL schema accepts a file with {what}")
    else:
        passed += 1

print(f"schema: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

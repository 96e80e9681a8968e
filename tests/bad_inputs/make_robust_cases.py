"""Writes the robustness-round-2 bad-input cases (rb-*): outputs onto inputs or devices,
readers given devices, one-class data, duplicate and renamed columns, headerless files, test
sets of another shape, overflowing values, model statistics that make NaN, resume with another
seed, messages with newlines or a huge field.

Usage: python3 tests/bad_inputs/make_robust_cases.py target/release/backprop tests/bad_inputs
(the binary trains the small models some cases need).
"""
import json, os, shutil, struct, subprocess, sys, tempfile

binary, root = sys.argv[1], sys.argv[2]

CLS_SPEC = '''inputs = 2
loss = "cross_entropy"
[optimizer]
learning_rate = 0.1
[[layers]]
units = 3
activation = "tanh"
[[layers]]
units = {units}
activation = "{out}"
[training]
epochs = 2
{training}
[data]
path = "{path}"
{data}
'''
REG_SPEC = '''inputs = 2
loss = "{loss}"
[optimizer]
learning_rate = 0.01
[[layers]]
units = 3
activation = "relu"
[[layers]]
units = 1
activation = "linear"
[training]
epochs = 2
[data]
path = "{path}"
{data}
'''
CLS_CSV = 'a,b,label\n' + ''.join(f'{k},{2 * k % 7},{"xy"[k % 2]}\n' for k in range(20))
REG_CSV = 'a,b,price\n' + ''.join(f'{k},{3 * k % 5},{k * 1.5 + 2}\n' for k in range(20))


def cls_spec(units=2, out='softmax', path='data.csv', data='', training='', loss=None):
    s = CLS_SPEC.format(units=units, out=out, path=path, data=data, training=training)
    return s if loss is None else s.replace('"cross_entropy"', f'"{loss}"')


def reg_spec(path='data.csv', data='', loss='mse'):
    return REG_SPEC.format(path=path, data=data, loss=loss)


def idx_images(n, rows, cols):
    return struct.pack('>IIII', 0x803, n, rows, cols) + bytes((k * 37) % 256 for k in range(n * rows * cols))


def idx_labels(labels):
    return struct.pack('>II', 0x801, len(labels)) + bytes(labels)


work = tempfile.mkdtemp()


def model(spec, csv, name, args=()):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, 'spec.toml'), 'w').write(spec)
    open(os.path.join(d, 'data.csv'), 'w').write(csv)
    out = os.path.join(d, 'm.safetensors')
    subprocess.run([binary, 'train', os.path.join(d, 'spec.toml'), '--save', out, '-q', *args],
                   check=True, stdout=subprocess.DEVNULL)
    return open(out, 'rb').read()


CLS_MODEL = model(cls_spec(), CLS_CSV, 'cls')
REG_MODEL = model(reg_spec(), REG_CSV, 'reg')
SEED_MODEL = model(cls_spec(training='seed = 7'), CLS_CSV, 'seed')


def set_tensor(blob, name, index, value):
    """The model file with element `index` of f64 tensor `name` set to `value`."""
    n = struct.unpack('<Q', blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    start, _ = header[name]['data_offsets']
    assert header[name]['dtype'] == 'F64'
    at = 8 + n + start + 8 * index
    return blob[:at] + struct.pack('<d', value) + blob[at + 8:]


cases = {}


def case(name, args, expected, files=None, env=None):
    cases[name] = (args, expected, files or {}, env)


# --- Outputs: never an input, never a device, never twice the same file -------------------
case('rb-save-onto-the-spec', ['train', '{dir}/spec.toml', '--save', '{dir}/spec.toml'],
     "spec.toml: is the spec, one of this command's inputs", {'spec.toml': cls_spec(), 'data.csv': CLS_CSV})
case('rb-log-onto-the-data', ['train', '{dir}/spec.toml', '--log', '{dir}/data.csv'],
     "data.csv: is the data ([data] path), one of this command's inputs",
     {'spec.toml': cls_spec(), 'data.csv': CLS_CSV})
case('rb-plot-onto-the-spec', ['train', '{dir}/spec.svg', '--plot', '{dir}/spec.svg'],
     "--plot {dir}/spec.svg: is the spec", {'spec.svg': cls_spec(), 'data.csv': CLS_CSV})
case('rb-save-onto-the-test-data',
     ['train', '{dir}/spec.toml', '--save', '{dir}/test.csv'], "is the test data ([data] test_path)",
     {'spec.toml': cls_spec(data='test_path = "test.csv"'), 'data.csv': CLS_CSV, 'test.csv': CLS_CSV})
case('rb-log-and-save-same-file',
     ['train', '{dir}/spec.toml', '--save', '{dir}/out', '--log', '{dir}/out'],
     "--log {dir}/out and --save name the same file", {'spec.toml': cls_spec(), 'data.csv': CLS_CSV})
case('rb-plot-and-save-same-file-other-spelling',
     ['train', '{dir}/spec.toml', '--save', '{dir}/out.svg', '--plot', '{dir}/./out.svg'],
     "and --save name the same file", {'spec.toml': cls_spec(), 'data.csv': CLS_CSV})
case('rb-log-onto-the-resume-model',
     ['train', '{dir}/spec.toml', '--resume', '{dir}/m.safetensors', '--epochs', '4', '--log', '{dir}/m.safetensors'],
     "is the --resume model, one of this command's inputs",
     {'spec.toml': cls_spec(), 'data.csv': CLS_CSV, 'm.safetensors': CLS_MODEL})
case('rb-save-to-dev-null', ['train', '{dir}/spec.toml', '--save', '/dev/null'],
     "--save /dev/null: is a character device, expected a regular file or a new name",
     {'spec.toml': cls_spec(), 'data.csv': CLS_CSV})
case('rb-log-to-symlink-to-dev-null', ['train', '{dir}/spec.toml', '--log', '{dir}/log.jsonl'],
     "log.jsonl: is a character device, expected a regular file or a new name",
     {'spec.toml': cls_spec(), 'data.csv': CLS_CSV, 'log.jsonl': ('symlink', '/dev/null')})
case('rb-save-to-dangling-symlink', ['train', '{dir}/spec.toml', '--save', '{dir}/m.safetensors'],
     "m.safetensors: is a symbolic link to {dir}/nowhere/m.safetensors, whose folder does not exist",
     {'spec.toml': cls_spec(), 'data.csv': CLS_CSV, 'm.safetensors': ('symlink', 'nowhere/m.safetensors')})
case('rb-predict-output-onto-the-data',
     ['predict', '{dir}/m.safetensors', '--data', '{dir}/data.csv', '-o', '{dir}/data.csv'],
     "-o {dir}/data.csv: is the data (--data), one of this command's inputs",
     {'m.safetensors': CLS_MODEL, 'data.csv': CLS_CSV})
case('rb-predict-output-onto-the-model',
     ['predict', '{dir}/m.safetensors', '--data', '{dir}/data.csv', '-o', '{dir}/m.safetensors'],
     "is the model, one of this command's inputs", {'m.safetensors': CLS_MODEL, 'data.csv': CLS_CSV})
case('rb-predict-output-to-dev-full',
     ['predict', '{dir}/m.safetensors', '--data', '{dir}/data.csv', '-o', '/dev/full'],
     "-o /dev/full: is a character device", {'m.safetensors': CLS_MODEL, 'data.csv': CLS_CSV})
case('rb-explain-output-onto-the-spec',
     ['explain', '{dir}/spec.toml', '-o', '{dir}/spec.toml'], "is the spec, one of this command's inputs",
     {'spec.toml': 'inputs = 1\nloss = "half_sse"\n[optimizer]\nlearning_rate = 0.5\n[[layers]]\nunits = 1\nactivation = "sigmoid"\n[data]\ninputs = [[1.0]]\ntargets = [[0.5]]\n'})

# --- Readers given a device: refused at once, whatever the memory limit ------------------
case('rb-spec-is-dev-zero', ['train', '/dev/zero'],
     "/dev/zero: is a character device, expected a spec (TOML)", env='BACKPROP_MEMORY_LIMIT=16M')
case('rb-csv-is-dev-zero', ['train', '{dir}/spec.toml'],
     "/dev/zero: is a character device, expected a CSV file", {'spec.toml': cls_spec(path='/dev/zero')},
     env='BACKPROP_MEMORY_LIMIT=16M')
case('rb-idx-is-dev-zero', ['train', '{dir}/spec.toml'],
     "/dev/zero: is a character device, expected an IDX file",
     {'spec.toml': cls_spec(units=2, path='/dev/zero', data='labels = "/dev/zero"')}, env='BACKPROP_MEMORY_LIMIT=16M')
case('rb-model-is-dev-zero', ['predict', '/dev/zero', '--input', '1,2'],
     "/dev/zero: is a character device, expected a model file", env='BACKPROP_MEMORY_LIMIT=16M')
case('rb-predict-data-is-dev-zero', ['predict', '{dir}/m.safetensors', '--data', '/dev/zero'],
     "/dev/zero: is a character device, expected a CSV file", {'m.safetensors': CLS_MODEL},
     env='BACKPROP_MEMORY_LIMIT=16M')
case('rb-evaluate-labels-are-dev-zero',
     ['evaluate', '{dir}/m.safetensors', '--data', '{dir}/images', '--labels', '/dev/zero'],
     "/dev/zero: is a character device, expected an IDX file",
     {'m.safetensors': CLS_MODEL, 'images': idx_images(3, 1, 2)}, env='BACKPROP_MEMORY_LIMIT=16M')
case('rb-notes-are-dev-zero', ['check', '/dev/zero'],
     "/dev/zero: is a character device, expected a notes file", env='BACKPROP_MEMORY_LIMIT=16M')

# --- Classes --------------------------------------------------------------------------
ONE = 'a,b,label\n' + ''.join(f'{k},{k % 3},same\n' for k in range(10))
case('rb-one-class-softmax', ['train', '{dir}/spec.toml'],
     "1 class (`same`): a classifier needs at least 2", {'spec.toml': cls_spec(units=1), 'data.csv': ONE})
case('rb-one-class-bce', ['train', '{dir}/spec.toml'],
     "1 class (`same`): a classifier needs at least 2",
     {'spec.toml': cls_spec(units=1, out='sigmoid', loss='bce'), 'data.csv': ONE})
case('rb-one-class-in-spec', ['train', '{dir}/spec.toml'],
     "1 class (`x`): a classifier needs at least 2",
     {'spec.toml': cls_spec(units=1, data='classes = ["x"]'), 'data.csv': CLS_CSV.replace(',y\n', ',x\n')})
case('rb-one-class-idx', ['train', '{dir}/spec.toml'],
     "1 class (`3`): a classifier needs at least 2",
     {'spec.toml': cls_spec(units=1, path='images', data='labels = "labels"').replace('inputs = 2', 'inputs = 4'),
      'images': idx_images(4, 2, 2), 'labels': idx_labels([3, 3, 3, 3])})
case('rb-empty-label', ['train', '{dir}/spec.toml'],
     "line 4, column 3 (`label`): missing label, expected a class name",
     {'spec.toml': cls_spec(), 'data.csv': 'a,b,label\n1,2,x\n3,4,y\n5,6,\n7,8,x\n'})
case('rb-evaluate-empty-label', ['evaluate', '{dir}/m.safetensors', '--data', '{dir}/data.csv'],
     "line 3, column 3 (`label`): missing label, expected a class name",
     {'m.safetensors': CLS_MODEL, 'data.csv': 'a,b,label\n1,2,x\n3,4,\n'})

# --- Columns --------------------------------------------------------------------------
case('rb-duplicate-feature-names', ['train', '{dir}/spec.toml'],
     "line 1: columns 1 and 2 are both named `a`; expected distinct column names",
     {'spec.toml': cls_spec(), 'data.csv': 'a,a,label\n1,2,x\n3,4,y\n'})
case('rb-target-duplicated', ['train', '{dir}/spec.toml'],
     "line 1: columns 2 and 3 are both named `label`",
     {'spec.toml': cls_spec(), 'data.csv': 'a,label,label\n1,x,x\n3,y,y\n'})
case('rb-predict-duplicate-names', ['predict', '{dir}/m.safetensors', '--data', '{dir}/data.csv'],
     "columns 1 and 3 are both named `b`", {'m.safetensors': CLS_MODEL, 'data.csv': 'b,a,b\n1,2,3\n'})
case('rb-predict-other-column-names', ['predict', '{dir}/m.safetensors', '--data', '{dir}/data.csv'],
     "no column named `a` (2 of the model's 2 features missing; was the model trained on other data?); the header has `c`, `d`",
     {'m.safetensors': CLS_MODEL, 'data.csv': 'c,d\n1,2\n3,4\n'})
case('rb-evaluate-other-column-names', ['evaluate', '{dir}/m.safetensors', '--data', '{dir}/data.csv'],
     "no column named `b` (1 of the model's 2 features missing",
     {'m.safetensors': CLS_MODEL, 'data.csv': 'a,B,label\n1,2,x\n3,4,y\n'})
case('rb-predict-headerless-wrong-width', ['predict', '{dir}/m.safetensors', '--data', '{dir}/data.csv'],
     "no header (line 1 is all numbers) and 4 columns, expected 2 (the model's features `a`, `b`, in order)",
     {'m.safetensors': REG_MODEL, 'data.csv': '1,2,3,4\n4,5,6,7\n'})
case('rb-evaluate-headerless-wrong-width', ['evaluate', '{dir}/m.safetensors', '--data', '{dir}/data.csv'],
     "no header (line 1 is all numbers) and 2 columns, expected 3 (the model's features `a`, `b`, then `price`)",
     {'m.safetensors': REG_MODEL, 'data.csv': '1,2\n4,5\n'})
case('rb-train-headerless', ['train', '{dir}/spec.toml'],
     "line 1 is all numbers (`1`, `2`, `0.5`): expected a header row of column names",
     {'spec.toml': reg_spec(), 'data.csv': '1,2,0.5\n3,4,0.7\n'})
case('rb-newline-in-a-field', ['train', '{dir}/spec.toml'],
     "line 3, column 1 (`a`): `1\\n2` is not a number",
     {'spec.toml': cls_spec(), 'data.csv': 'a,b,label\n0,0,x\n"1\n2",3,y\n'})
case('rb-newline-in-a-column-name', ['train', '{dir}/spec.toml'],
     "no column named `price`; the header has `a`, `b`, `pri\\nce`",
     {'spec.toml': reg_spec(data='target = "price"'), 'data.csv': 'a,b,"pri\nce"\n1,2,3\n'})
case('rb-huge-field', ['train', '{dir}/spec.toml'],
     "line 2, column 2 (`b`): `" + 'z' * 60 + "…` (5000 characters) is not a number",
     {'spec.toml': cls_spec(), 'data.csv': 'a,b,label\n1,' + 'z' * 5000 + ',x\n2,3,y\n'})
case('rb-text-target-with-regression-loss', ['train', '{dir}/spec.toml'],
     "`apple` is not a number (loss `half_sse` is a regression; for class names use `cross_entropy` with softmax, or `bce` with one sigmoid unit)",
     {'spec.toml': reg_spec(loss='half_sse'), 'data.csv': 'a,b,price\n1,2,apple\n'})
case('rb-empty-data-path', ['train', '{dir}/spec.toml'],
     "data: `path` is empty, expected a file name (relative to the spec) or builtin:NAME",
     {'spec.toml': cls_spec(path='')})
case('rb-values-near-f64-max', ['train', '{dir}/spec.toml'],
     "data row 2, column `b`: 1.7e308 is too large",
     {'spec.toml': reg_spec(), 'data.csv': 'a,b,price\n1,2,3\n2,1.7e308,4\n3,4,5\n'})
case('rb-regression-target-near-f64-max', ['train', '{dir}/spec.toml'],
     "data row 1, column `price`: -1e200 is too large",
     {'spec.toml': reg_spec(), 'data.csv': 'a,b,price\n1,2,-1e200\n2,1,4\n'})

# --- Test sets of another shape ---------------------------------------------------------
IDX_SPEC = cls_spec(units=2, path='train-images', data='labels = "train-labels"\ntest_path = "test-images"\ntest_labels = "test-labels"').replace('inputs = 2', 'inputs = 4')
case('rb-idx-test-images-larger', ['train', '{dir}/spec.toml'],
     "test-images: the test set has 9 features (the training set 4): images of 3×3 against 2×2",
     {'spec.toml': IDX_SPEC, 'train-images': idx_images(4, 2, 2), 'train-labels': idx_labels([0, 1, 0, 1]),
      'test-images': idx_images(2, 3, 3), 'test-labels': idx_labels([0, 1])})
case('rb-idx-test-images-smaller', ['train', '{dir}/spec.toml'],
     "the test set has 2 features (the training set 4): images of 1×2 against 2×2",
     {'spec.toml': IDX_SPEC, 'train-images': idx_images(4, 2, 2), 'train-labels': idx_labels([0, 1, 0, 1]),
      'test-images': idx_images(2, 1, 2), 'test-labels': idx_labels([0, 1])})
case('rb-predict-a-labels-file', ['predict', '{dir}/m.safetensors', '--data', '{dir}/labels'],
     "this is an IDX labels file (magic number 0x00000801), expected an images file",
     {'m.safetensors': CLS_MODEL, 'labels': idx_labels([0, 1])})

# --- Non-finite outputs and statistics --------------------------------------------------
case('rb-model-feature-std-zero', ['predict', '{dir}/m.safetensors', '--input', '1,2'],
     "tensor data.feature_std[1] is 0, expected a positive finite number",
     {'m.safetensors': set_tensor(CLS_MODEL, 'data.feature_std', 1, 0.0)})
case('rb-model-feature-std-nan', ['evaluate', '{dir}/m.safetensors', '--data', '{dir}/data.csv'],
     "tensor data.feature_std holds NaN, expected finite numbers",
     {'m.safetensors': set_tensor(CLS_MODEL, 'data.feature_std', 0, float('nan')), 'data.csv': CLS_CSV})
case('rb-model-target-mean-infinite', ['predict', '{dir}/m.safetensors', '--input', '1,2'],
     "tensor data.target_mean holds inf, expected finite numbers",
     {'m.safetensors': set_tensor(REG_MODEL, 'data.target_mean', 0, float('inf'))})
case('rb-predict-output-overflows', ['predict', '{dir}/m.safetensors', '--input', '1e308,-1e308'],
     "the model's output 1 for sample 1 is",
     {'m.safetensors': REG_MODEL})
case('rb-predict-data-output-overflows', ['predict', '{dir}/m.safetensors', '--data', '{dir}/data.csv'],
     "for sample 2 is", {'m.safetensors': REG_MODEL, 'data.csv': 'a,b\n1,2\n1e308,-1e308\n'})

# --- Resume -------------------------------------------------------------------------------
case('rb-resume-with-another-seed', ['train', '{dir}/spec.toml', '--resume', '{dir}/m.safetensors', '--epochs', '4'],
     "the run was trained with seed 7 (its split and shuffling), but the spec's seed is 0",
     {'spec.toml': cls_spec(), 'data.csv': CLS_CSV, 'm.safetensors': SEED_MODEL})
case('rb-resume-another-width', ['train', '{dir}/spec.toml', '--resume', '{dir}/m.safetensors', '--epochs', '4'],
     "its network (2-3-2, tanh/softmax, loss cross_entropy) is not the spec's (2-5-2, tanh/softmax, loss cross_entropy)",
     {'spec.toml': cls_spec().replace('units = 3', 'units = 5'), 'data.csv': CLS_CSV, 'm.safetensors': CLS_MODEL})

# --- A spec that suggests the loss that fits ----------------------------------------------
case('rb-cross-entropy-with-sigmoid-suggests-bce', ['train', '{dir}/spec.toml'],
     "use softmax there, or loss `bce` for sigmoid outputs",
     {'spec.toml': cls_spec(out='sigmoid'), 'data.csv': CLS_CSV})

for name, (args, expected, files, env) in cases.items():
    d = os.path.join(root, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    open(os.path.join(d, 'args'), 'w').write('\n'.join(args) + '\n')
    open(os.path.join(d, 'expected'), 'w').write(expected + '\n')
    if env:
        open(os.path.join(d, 'env'), 'w').write(env + '\n')
    for fname, content in files.items():
        p = os.path.join(d, fname)
        if isinstance(content, tuple):
            os.symlink(content[1], p)
        else:
            open(p, 'wb').write(content.encode() if isinstance(content, str) else content)
shutil.rmtree(work)
print(len(cases), 'cases')

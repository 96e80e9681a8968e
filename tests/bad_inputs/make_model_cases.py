"""Writes the model-file bad-input cases (model-*) from a valid model file.

Usage: backprop train examples/01-worked-example.toml --save valid.safetensors
       python3 tests/bad_inputs/make_model_cases.py valid.safetensors tests/bad_inputs
"""
import json, os, struct, sys
valid_path, root = sys.argv[1], sys.argv[2]
valid = open(valid_path, 'rb').read()

def split(b):
    n = struct.unpack('<Q', b[:8])[0]
    return json.loads(b[8:8 + n]), b[8 + n:]

def join(header, data):
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    return struct.pack('<Q', len(h)) + h + data

header, data = split(valid)

cases = {}
cases['model-not-safetensors'] = b'inputs,loss\n2,half_sse\n'
cases['model-empty-file'] = b''
cases['model-truncated'] = valid[:len(valid) - 10]
cases['model-truncated-header'] = valid[:40]
cases['model-bytes-appended'] = valid + b'\0' * 8

def mutate(name, f):
    h, d = split(valid)
    out = f(h, d)
    cases[name] = join(*(out if out else (h, d)))

def shape_mismatch(h, d):
    # layers.1.weight is [1, 2]; claim [2, 1] (same byte count, so safetensors accepts it).
    h['layers.1.weight']['shape'] = [2, 1]
mutate('model-tensor-shape-mismatch', shape_mismatch)

def missing_tensor(h, d):
    # Drop layers.1.bias and its bytes (the last tensor in the file keeps offsets consistent).
    t = h.pop('layers.1.bias')
    a, b = t['data_offsets']
    for k, v in h.items():
        if k != '__metadata__' and v['data_offsets'][0] >= b:
            v['data_offsets'] = [v['data_offsets'][0] - (b - a), v['data_offsets'][1] - (b - a)]
    return h, d[:a] + d[b:]
mutate('model-missing-tensor', missing_tensor)

def wrong_dtype(h, d):
    # Every tensor stored as f32 (halving the bytes) while the metadata says f64.
    out = b''
    items = sorted(((k, v) for k, v in h.items() if k != '__metadata__'), key=lambda kv: kv[1]['data_offsets'][0])
    for k, v in items:
        a, b = v['data_offsets']
        vals = struct.unpack('<%dd' % ((b - a) // 8), d[a:b])
        start = len(out)
        out += struct.pack('<%df' % len(vals), *vals)
        v['dtype'] = 'F32'
        v['data_offsets'] = [start, len(out)]
    return h, out
mutate('model-wrong-dtype', wrong_dtype)

def meta(key, value):
    def f(h, d):
        if value is None:
            del h['__metadata__'][key]
        else:
            h['__metadata__'][key] = value
    return f
mutate('model-missing-metadata-layers', meta('layers', None))
mutate('model-missing-metadata-format', meta('format', None))
mutate('model-garbage-layers-json', meta('layers', '[{"units":2,"activation":'))
mutate('model-unknown-activation-in-metadata', meta('layers', '[{"units":2,"activation":"swish","bias":"shared"},{"units":1,"activation":"sigmoid","bias":"shared"}]'))
mutate('model-other-format', meta('format', 'pytorch'))
mutate('model-unknown-dtype', meta('dtype', 'f16'))
mutate('model-inputs-not-a-number', meta('inputs', 'two'))
mutate('model-unknown-loss', meta('loss', 'hinge'))
mutate('model-bad-optimizer-json', meta('optimizer', '{"kind":"sgd"}'))
mutate('model-negative-learning-rate', lambda h, d: h['__metadata__'].__setitem__('optimizer', json.dumps(dict(json.loads(h['__metadata__']['optimizer']), learning_rate=-1.0))))
mutate('model-huge-network-in-metadata', meta('layers', '[{"units":1000000,"activation":"sigmoid","bias":"shared"},{"units":1000000,"activation":"sigmoid","bias":"per_unit"},{"units":1,"activation":"sigmoid","bias":"shared"}]'))
def no_metadata(h, d):
    del h['__metadata__']
mutate('model-no-metadata', no_metadata)
def nan_weight(h, d):
    a, _ = h['layers.1.weight']['data_offsets']
    return h, d[:a] + struct.pack('<d', float('nan')) + d[a + 8:]
mutate('model-nan-weight', nan_weight)
def inf_bias(h, d):
    a, _ = h['layers.0.bias']['data_offsets']
    return h, d[:a] + struct.pack('<d', float('-inf')) + d[a + 8:]
mutate('model-infinite-bias', inf_bias)

for name, b in cases.items():
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, 'model.safetensors'), 'wb').write(b)
    open(os.path.join(d, 'args'), 'w').write('predict\n{dir}/model.safetensors\n--input\n0.05,0.10\n')
print(len(cases))

#!/usr/bin/env python3
#===- npytool.py - Write and check .npy files with the standard library ---===#
#
# NumPy is not a test dependency: the header is written and read by hand.
#
#   npytool.py write FILE DESCR SHAPE [VALUE...]
#   npytool.py check FILE DESCR SHAPE [VALUE...]
#
# SHAPE is "2x3", "5" or "scalar". `check` exits 1 with a message when the
# file's dtype, shape or values (to 1e-6 relative) differ.
#
#===------------------------------------------------------------------------===#

import ast
import struct
import sys

USAGE = 'usage: npytool.py write|check FILE DESCR SHAPE [VALUE...]'
FORMATS = {'<f4': 'f', '<f2': 'e', '<i4': 'i', '<i8': 'q', '|i1': 'b'}


def parse_shape(text):
    return () if text == 'scalar' else tuple(int(d) for d in text.split('x'))


def convert(descr, values):
    if descr.startswith('<f'):
        return [float(v) for v in values]
    return [int(v) for v in values]


def write(path, descr, shape, values):
    dims = ', '.join(str(d) for d in shape) + (',' if len(shape) == 1 else '')
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, dims)
    header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\n'
    data = struct.pack('<%d%s' % (len(values), FORMATS[descr]),
                       *convert(descr, values))
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) +
                header.encode('latin1') + data)


def read(path):
    with open(path, 'rb') as f:
        blob = f.read()
    if blob[:6] != b'\x93NUMPY':
        raise ValueError('not a .npy file')
    if blob[6] == 1:
        (length,) = struct.unpack('<H', blob[8:10])
        start = 10
    else:
        (length,) = struct.unpack('<I', blob[8:12])
        start = 12
    header = ast.literal_eval(blob[start:start + length].decode('latin1'))
    if (start + length) % 64:
        raise ValueError('data not 64-byte aligned')
    if header['fortran_order']:
        raise ValueError('fortran order')
    descr, shape = header['descr'], tuple(header['shape'])
    count = 1
    for d in shape:
        count *= d
    fmt = FORMATS[descr]
    data = blob[start + length:]
    if len(data) != count * struct.calcsize(fmt):
        raise ValueError('data size %d for %d elements' % (len(data), count))
    return descr, shape, list(struct.unpack('<%d%s' % (count, fmt), data))


def check(path, descr, shape, values):
    got_descr, got_shape, got = read(path)
    want = convert(descr, values)
    if got_descr != descr or got_shape != shape:
        sys.exit('%s: expected %s %s, got %s %s' %
                 (path, descr, shape, got_descr, got_shape))
    for i, (g, w) in enumerate(zip(got, want)):
        if abs(g - w) > 1e-6 * max(1.0, abs(w)):
            sys.exit('%s: element %d: expected %r, got %r' % (path, i, w, g))
    if len(got) != len(want):
        sys.exit('%s: expected %d values, got %d' % (path, len(want), len(got)))


def main(argv):
    if len(argv) < 4 or argv[0] not in ('write', 'check'):
        sys.exit(USAGE)
    command, path, descr, shape = argv[:4]
    values = argv[4:]
    if command == 'write':
        write(path, descr, parse_shape(shape), values)
    else:
        check(path, descr, parse_shape(shape), values)


if __name__ == '__main__':
    main(sys.argv[1:])

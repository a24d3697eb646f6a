# -*- Python -*-
# lit configuration for quant's IR tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "QUANT"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.quant_obj_root, "test")
config.excludes = ["unit", "e2e", "Inputs", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py.in"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tools = [
    ToolSubst("quant-opt", unresolved="fatal"),
    ToolSubst("quant-compile", unresolved="fatal"),
    ToolSubst("quant-bench", unresolved="fatal"),
    ToolSubst("quant-gguf", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, [config.quant_tools_dir])

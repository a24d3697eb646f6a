//===- BufferizableOpInterfaceImpl.cpp - qt bufferization -----------------===//

#include "dialects/qt/BufferizableOpInterfaceImpl.h"
#include "dialects/qt/QtOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace quant::qt;

namespace {

struct DispatchOpInterface
    : DstBufferizableOpInterfaceExternalModel<DispatchOpInterface,
                                              DispatchOp> {
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto dispatch = cast<DispatchOp>(op);
    SmallVector<Value> inputs, outputs;
    for (Value input : dispatch.getInputs()) {
      FailureOr<Value> buffer = getBuffer(rewriter, input, options, state);
      if (failed(buffer))
        return failure();
      inputs.push_back(*buffer);
    }
    for (Value output : dispatch.getOutputs()) {
      FailureOr<Value> buffer = getBuffer(rewriter, output, options, state);
      if (failed(buffer))
        return failure();
      outputs.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    DispatchOp::create(rewriter, op->getLoc(), TypeRange{},
                       dispatch.getKernelAttr(), dispatch.getCount(), inputs,
                       outputs);
    replaceOpWithBufferizedValues(rewriter, op, outputs);
    return success();
  }
};

} // namespace

void quant::qt::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, QtDialect *) {
    DispatchOp::attachInterface<DispatchOpInterface>(*context);
  });
}

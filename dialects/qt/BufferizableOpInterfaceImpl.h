//===- BufferizableOpInterfaceImpl.h - qt bufferization -----------*- C++ -*-===//

#ifndef QUANT_DIALECTS_QT_BUFFERIZABLEOPINTERFACEIMPL_H
#define QUANT_DIALECTS_QT_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace quant::qt {

/// Lets One-Shot Bufferize handle qt.dispatch (destination style: outputs are
/// written in place, inputs are only read).
void registerBufferizableOpInterfaceExternalModels(
    mlir::DialectRegistry &registry);

} // namespace quant::qt

#endif // QUANT_DIALECTS_QT_BUFFERIZABLEOPINTERFACEIMPL_H

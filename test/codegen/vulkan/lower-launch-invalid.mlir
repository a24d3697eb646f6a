// RUN: quant-opt %s -verify-diagnostics --qt-vulkan-lower-launch=byte-storage=wide

// expected-error @below {{unknown byte storage 'wide' (expected native or emulated)}}
module {
}

// onnx/proto.hpp: libonnx's protobuf classes, under a name that does not collide with
// ctnn_gen::onnx.
#pragma once
#include <onnx/onnx_pb.h>

namespace ctnn_gen::onnx {
namespace pb = ::onnx;
}

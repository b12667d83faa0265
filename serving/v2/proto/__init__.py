"""The Open Inference Protocol's gRPC messages and service, generated from the .proto beside.

`grpc_predict_v2.proto` is written from KServe's specification (package `inference`, its
message and field names and numbers); `grpc_predict_v2_pb2.py` and `_pb2_grpc.py` are
generated from it by grpcio-tools and committed. After editing the .proto, regenerate
them from the repository root:

    .venv/bin/python -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. \
        serving/v2/proto/grpc_predict_v2.proto

The generated modules register the `inference.*` messages in protobuf's default pool, so
they cannot be imported in a process that also imports tritonclient.grpc's copies of the
same messages (the tests run that client in a subprocess).

Example:
    python -c "from serving.v2.proto import grpc_predict_v2_pb2 as pb; \
print(pb.ServerLiveResponse(live=True))"
"""

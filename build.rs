//! Compiles the vendored Salesforce Pub/Sub API definition (`proto/pubsub_api.proto`) into the
//! tonic client and server code, parsing it with `protox` so no `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/pubsub_api.proto");
    let descriptors = protox::compile(["pubsub_api.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}

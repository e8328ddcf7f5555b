"""The CDK app's stacks, split by lifecycle: storage (stateful) apart from stateless compute."""

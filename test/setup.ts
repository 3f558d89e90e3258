// Silence the AWS SDK's Node 20 deprecation notice in tests; local credentials are obviously fake.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_ACCESS_KEY_ID ??= 'local-fake-access-key';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local-fake-secret-key';
process.env.AWS_REGION ??= 'us-east-1';

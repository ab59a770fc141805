'use strict'

// The addon, through the loader napi-rs generates (../index.js), which
// finds the build for this platform: a local `*.node` file next to it, or
// the platform package (asynclog-linux-x64-gnu, ...) installed with it.
module.exports = require('../index.js')

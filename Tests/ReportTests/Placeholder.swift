// Placeholder so SwiftPM has a source file; replaced when this module's issue lands.

import CoreFile

extension ProcessImage {
    /// An executable or shared library without a core: the file loaded at its
    /// link-time addresses and nothing else (see `CoreFile(imageOf:path:)`),
    /// so symbolization and Go's tables read it as they read a process.
    public convenience init(executable: ELFImage, path: String, search: FileSearch = FileSearch()) throws {
        var search = search
        search.executable = path
        try self.init(core: CoreFile(imageOf: executable, path: path), search: search)
    }
}

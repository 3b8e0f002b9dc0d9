package export

// bundleFileExt is the extension of a bundle's data files.
const bundleFileExt = ".parquet"

// bundleDatasetOptions returns opts for the data file of split in a
// bundle: Parquet, as the Hugging Face Hub stores datasets.
func bundleDatasetOptions(opts DatasetOptions, split string) DatasetOptions {
	opts.Split = split
	opts.File = FileParquet
	opts.Gzip = false
	return opts
}

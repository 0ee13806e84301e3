Console.WriteLine("usage: PaperFeed.Bench ingest");

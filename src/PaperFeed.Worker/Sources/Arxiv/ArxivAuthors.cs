using System.Text;

namespace PaperFeed.Worker.Sources.Arxiv;

/// <summary>
/// Author names as arXiv's listings write them: one comma-separated string (<c>Ada Lovelace, Charles Babbage</c>),
/// sometimes with affiliations in parentheses that hold commas of their own, and with TeX accents
/// (<c>Klaus M{\o}lmer</c>, <c>Michal Hajdu\v{s}ek</c>) where the API gives the same names in Unicode.
/// </summary>
internal static class ArxivAuthors
{
    /// <summary>Splits a listing's author string into names: affiliations dropped, TeX accents made Unicode.</summary>
    public static List<string> Split(string? authors)
    {
        var names = new List<string>();
        if (string.IsNullOrWhiteSpace(authors))
        {
            return names;
        }

        // Only commas outside parentheses and braces separate authors: "A (Dept. X, Univ. Y), B" is two people.
        var depth = 0;
        var start = 0;
        for (var i = 0; i < authors.Length; i++)
        {
            switch (authors[i])
            {
                case '(' or '{':
                    depth++;
                    break;
                case ')' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
                case ',' when depth == 0:
                    AddParts(names, authors[start..i]);
                    start = i + 1;
                    break;
            }
        }

        AddParts(names, authors[start..]);
        return names;
    }

    /// <summary>One comma-separated part: "B and C" and a leading "and " (from "A, B, and C") separate people too.</summary>
    private static void AddParts(List<string> names, string part)
    {
        foreach (var piece in SplitAnd(WithoutAffiliations(part)))
        {
            var name = ArxivXml.Collapse(Tex.Decode(piece));
            if (name is not null)
            {
                names.Add(name);
            }
        }
    }

    private static IEnumerable<string> SplitAnd(string part)
    {
        var s = part.Trim();
        if (s.StartsWith("and ", StringComparison.Ordinal))
        {
            s = s[4..];
        }

        return s.Split(" and ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The name without its parenthesised affiliations (at any nesting).</summary>
    private static string WithoutAffiliations(string part)
    {
        if (!part.Contains('(', StringComparison.Ordinal))
        {
            return part;
        }

        var sb = new StringBuilder(part.Length);
        var depth = 0;
        foreach (var c in part)
        {
            if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (depth == 0)
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>The TeX accents and special letters that occur in names, to Unicode (NFC).</summary>
    internal static class Tex
    {
        private static readonly Dictionary<char, char> SymbolAccents = new()
        {
            ['\''] = '\u0301', ['`'] = '\u0300', ['^'] = '\u0302', ['"'] = '\u0308', ['~'] = '\u0303', ['='] = '\u0304', ['.'] = '\u0307',
        };

        private static readonly Dictionary<string, char> LetterAccents = new(StringComparer.Ordinal)
        {
            ["v"] = '\u030C', ["c"] = '\u0327', ["H"] = '\u030B', ["u"] = '\u0306', ["k"] = '\u0328', ["r"] = '\u030A', ["d"] = '\u0323', ["b"] = '\u0331',
        };

        private static readonly Dictionary<string, string> Letters = new(StringComparer.Ordinal)
        {
            ["o"] = "ø", ["O"] = "Ø", ["l"] = "ł", ["L"] = "Ł", ["aa"] = "å", ["AA"] = "Å", ["ae"] = "æ", ["AE"] = "Æ",
            ["oe"] = "œ", ["OE"] = "Œ", ["ss"] = "ß", ["i"] = "ı", ["j"] = "ȷ", ["dh"] = "ð", ["DH"] = "Ð", ["th"] = "þ", ["TH"] = "Þ",
        };

        /// <summary>
        /// <c>Fr\'ed\'eric</c> → Frédéric, <c>Stanis{\l}aw \'Swierczewski</c> → Stanisław Świerczewski,
        /// <c>Gon\c{c}alves</c> → Gonçalves. Grouping braces go; an unknown command is kept as written.
        /// </summary>
        public static string Decode(string s)
        {
            if (!s.Contains('\\', StringComparison.Ordinal) && !s.Contains('{', StringComparison.Ordinal))
            {
                return s;
            }

            var sb = new StringBuilder(s.Length);
            var i = 0;
            while (i < s.Length)
            {
                sb.Append(Next(s, ref i));
            }

            return sb.ToString().Normalize(NormalizationForm.FormC);
        }

        /// <summary>The Unicode text of the token at <paramref name="i"/> (a character, a group or a command).</summary>
        private static string Next(string s, ref int i)
        {
            var c = s[i];
            if (c is '{' or '}')
            {
                i++;
                return "";
            }

            if (c != '\\' || i + 1 >= s.Length)
            {
                i++;
                return c.ToString();
            }

            var command = s[i + 1];
            if (SymbolAccents.TryGetValue(command, out var mark))
            {
                i += 2;
                return Accent(Argument(s, ref i), mark);
            }

            if (!char.IsAsciiLetter(command))
            {
                // "\&", "\\" and the like: the character itself.
                i += 2;
                return command.ToString();
            }

            var end = i + 1;
            while (end < s.Length && char.IsAsciiLetter(s[end]))
            {
                end++;
            }

            var name = s[(i + 1)..end];
            if (LetterAccents.TryGetValue(name, out var letterMark))
            {
                i = end;
                return Accent(Argument(s, ref i), letterMark);
            }

            if (Letters.TryGetValue(name, out var letter))
            {
                i = end;

                // "{\ss} x", "\o{}": an empty group or one space ends the command name and is not text.
                if (i + 1 < s.Length && s[i] == '{' && s[i + 1] == '}')
                {
                    i += 2;
                }
                else if (i + 1 < s.Length && s[i] == ' ' && char.IsAsciiLetter(s[i + 1]))
                {
                    i++;
                }

                return letter;
            }

            i = end;
            return s[(i - name.Length - 1)..i];
        }

        /// <summary>An accent's argument: a group "{x}", a command "\i", or the next character (after spaces).</summary>
        private static string Argument(string s, ref int i)
        {
            while (i < s.Length && s[i] == ' ')
            {
                i++;
            }

            if (i >= s.Length)
            {
                return "";
            }

            if (s[i] == '{')
            {
                var close = s.IndexOf('}', i + 1);
                var inner = close < 0 ? s[(i + 1)..] : s[(i + 1)..close];
                i = close < 0 ? s.Length : close + 1;
                return Decode(inner);
            }

            return Next(s, ref i);
        }

        private static string Accent(string argument, char mark)
        {
            if (argument.Length == 0)
            {
                return mark.ToString();
            }

            // An accent on a dotless i ("\'\i") is an accented i.
            var first = argument[0] is 'ı' ? 'i' : argument[0] is 'ȷ' ? 'j' : argument[0];
            return string.Concat(first.ToString(), mark.ToString(), argument[1..]);
        }
    }
}

package benchload

// firstNames and surnames make the generated people's names: 100 x 200 = 20,000 distinct names,
// British and Irish with the accented and non-decomposing letters a UK caller list has (José,
// Zoë, Siobhán, Łukasz, Søren, Şahin), so that searches exercise the name fold.
var firstNames = []string{
	"Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Muhammad", "Thomas", "Oscar",
	"William", "James", "Leo", "Alfie", "Henry", "Joshua", "Freddie", "Archie", "Ethan", "Isaac",
	"Alexander", "Joseph", "Edward", "Samuel", "Max", "Daniel", "Arthur", "Lucas", "Mohammed", "Logan",
	"Olivia", "Amelia", "Isla", "Ava", "Emily", "Isabella", "Mia", "Poppy", "Ella", "Lily",
	"Jessica", "Sophie", "Grace", "Evie", "Ruby", "Chloe", "Freya", "Sophia", "Charlotte", "Daisy",
	"José", "Zoë", "Siobhán", "Seán", "Niamh", "Aoife", "Pádraig", "Róisín", "Éamon", "Caoimhe",
	"Łukasz", "Małgorzata", "Paweł", "Zofia", "Søren", "Bjørn", "Åsa", "François", "Hélène", "Inès",
	"Jürgen", "Günther", "Renée", "Clémence", "Nuño", "Begoña", "Şahin", "Ayşe", "Dávid", "Zoltán",
	"Priya", "Aarav", "Fatima", "Aisha", "Wei", "Mei", "Kwame", "Chidi", "Ngozi", "Tomás",
	"Rhys", "Dafydd", "Angharad", "Eilidh", "Hamish", "Morag", "Ciarán", "Bríd", "Ólafur", "Þóra",
}

var surnames = []string{
	"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
	"Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
	"Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell", "Rose", "Davis", "Rodríguez",
	"Cox", "Alexander", "Garden", "Campbell", "Johnston", "Moore", "Smyth", "O'Neill", "Doherty", "Stewart",
	"Quinn", "Murphy", "Graham", "Mclaughlin", "Hamilton", "Murray", "Hughes", "Robertson", "Thomson", "Scott",
	"Macdonald", "Reid", "Clark", "Ross", "Young", "Watson", "Paterson", "Morrison", "Kelly", "Ó Súilleabháin",
	"Ó Briain", "Mac Giolla", "Ní Bhriain", "Ó Ceallaigh", "García", "Martínez", "López", "Fernández", "Pérez", "González",
	"Sánchez", "Gómez", "Núñez", "Müller", "Schäfer", "Köhler", "Groß", "Weiß", "Strauß", "Lefèvre",
	"Dubois", "Bérénice", "Gauthier", "Côté", "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Łapiński",
	"Sørensen", "Jørgensen", "Kjærgaard", "Åberg", "Öztürk", "Yılmaz", "Çelik", "Kovačević", "Đorđević", "Horváth",
	"Nagy", "Szabó", "Tóth", "Novák", "Dvořák", "Svoboda", "Černý", "Ahmed", "Ali", "Hussain",
	"Begum", "Rahman", "Islam", "Akhtar", "Iqbal", "Shah", "Singh", "Kaur", "Sharma", "Gupta",
	"Chen", "Wang", "Li", "Zhang", "Liu", "Nguyen", "Tran", "Le", "Pham", "Okafor",
	"Okeke", "Mensah", "Owusu", "Boateng", "Adeyemi", "Adebayo", "Oyelaran", "Abubakar", "Ibrahim", "Mohamed",
	"Hassan", "Yusuf", "Farah", "Osman", "Warsame", "Baker", "Carter", "Turner", "Parker", "Collins",
	"Edwards", "Stevenson", "Morris", "Rogers", "Reed", "Cook", "Morgan", "Bell", "Ward", "Bailey",
	"Cooper", "Richardson", "Howard", "Fox", "Barnes", "Bennett", "Gray", "Price", "Russell", "Griffiths",
	"Lloyd", "Powell", "Owen", "Pritchard", "Llewellyn", "Bowen", "Vaughan", "Rees", "Jenkins", "Price-Jones",
	"Fraser", "Mackenzie", "Mackay", "Munro", "Sinclair", "Gunn", "Sutherland", "Macleod", "Ferguson", "Mcintosh",
	"Ólafsdóttir", "Guðmundsson", "Þórsdóttir", "Jónsson", "Bjørnstad", "Hæggström", "Œhlenschläger", "Petrović", "Popović", "Jovanović",
}
